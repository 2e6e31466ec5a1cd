package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/storefront/storefront/internal/money"
	"github.com/storefront/storefront/internal/orderstate"
)

// OrderInfo is a placed order. Its status only moves by conditional updates
// (WHERE id=? AND status=<from>), so no transition can apply twice.
type OrderInfo struct{ ent.Schema }

func (OrderInfo) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{Table: "orders"},
		entgql.RelayConnection(),
	}
}

func (OrderInfo) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{Orderable: true}} }

func (OrderInfo) Fields() []ent.Field {
	return []ent.Field{
		field.String("order_no").NotEmpty().MaxLen(32).Unique().Immutable().
			Comment("readable and unique: time + user + random"),
		field.Int("user_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("idempotency_key").NotEmpty().MaxLen(64).Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
		// The address is copied, not referenced.
		field.String("receiver").MaxLen(128).Immutable(),
		field.String("mobile").MaxLen(11).Immutable(),
		field.String("province").MaxLen(128).Immutable(),
		field.String("city").MaxLen(128).Immutable(),
		field.String("district").MaxLen(128).Immutable(),
		field.String("detail").MaxLen(800).Immutable(),
		field.Int("total_count").Positive().Immutable(),
		field.Int64("total_amount").GoType(money.Fen(0)).Min(0).Immutable().
			Annotations(entgql.Type("Money")).Comment("sum of the lines (price * count), without freight"),
		field.Int64("freight").GoType(money.Fen(0)).Min(0).Immutable().
			Annotations(entgql.Type("Money")),
		field.Enum("pay_method").Values("CASH", "ALIPAY").Immutable(),
		field.Int8("status").GoType(orderstate.Status(0)).
			Annotations(entgql.Type("OrderStatus")),
		field.String("trade_no").Optional().Nillable().MaxLen(64),
		field.String("carrier").Optional().Nillable().MaxLen(128).Comment("up to 32 characters (the column is sized in bytes)"),
		field.String("tracking_no").Optional().Nillable().MaxLen(64),
		field.Time("paid_at").Optional().Nillable().SchemaType(datetime6),
		field.Time("expires_at").Optional().Nillable().SchemaType(datetime6).
			Comment("unpaid ALIPAY orders are canceled after this"),
		field.Time("canceled_at").Optional().Nillable().SchemaType(datetime6),
		field.String("cancel_reason").Optional().Nillable().MaxLen(800).
			Comment("why the merchant canceled it, up to 200 characters"),
		// Set in the insert, cleared once the order's lines have left the
		// shopper's Redis cart: the clean-up after COMMIT is owed until
		// then, and durable with the order (internal/order/cartclean.go).
		field.Bool("cart_owed").Default(false).
			Annotations(entgql.Skip(entgql.SkipAll)).
			Comment("its lines may still be in the shopper's cart"),
	}
}

func (OrderInfo) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("orders").Field("user_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("lines", OrderGoods.Type),
		edge.To("payments", Payment.Type),
	}
}

func (OrderInfo) Indexes() []ent.Index {
	return []ent.Index{
		// A retried placeOrder finds its first order; racing ones collide here.
		index.Fields("user_id", "idempotency_key").Unique(),
		index.Fields("user_id", "created_at"),
		index.Fields("user_id", "status", "created_at"),
		// The expiry sweeper's scan.
		index.Fields("status", "expires_at"),
		// The cart cleaner's scan, and a checkout's look for what the
		// shopper's orders still owe the cart.
		index.Fields("cart_owed", "user_id"),
	}
}

// OrderGoods is one line of an order: what was bought, at what price.
type OrderGoods struct{ ent.Schema }

func (OrderGoods) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{Table: "order_lines"},
		// sku.comments pages through commented lines.
		entgql.RelayConnection(),
	}
}

func (OrderGoods) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{Orderable: true}} }

func (OrderGoods) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id").Immutable(),
		// An opaque ID like every other, though no edge leads to the SKU
		// (see Edges): the SKU's own id, kept when it is no longer on sale.
		field.Int("sku_id").Immutable().
			Annotations(entgql.Type("ID")).
			Comment("the SKU's id (SKU.id), also when it is no longer on sale"),
		field.String("sku_name").MaxLen(512).Immutable().Comment("name at purchase time"),
		field.Int("count").Positive().Immutable(),
		field.Int64("price").GoType(money.Fen(0)).Min(0).Immutable().
			Annotations(entgql.Type("Money")).Comment("unit price at purchase time"),
		field.String("comment").MaxLen(2000).Default("").Comment("up to 500 characters (the column is sized in bytes)"),
		field.Int("score").Default(5).Range(0, 5),
		field.Bool("anonymous").Default(false),
		field.Bool("commented").Default(false),
		field.Time("commented_at").Optional().Nillable().SchemaType(datetime6).
			Annotations(entgql.OrderField("COMMENTED_AT")),
	}
}

// No edge (so no foreign key) to the SKU: InnoDB checks a foreign key with a
// shared lock on the parent row, and placeOrder inserts the lines before its
// guarded stock update; two buyers of one hot SKU would each hold that shared
// lock and wait for the other's to take the row: a deadlock at every
// collision. The line keeps the SKU's name and price of the moment anyway.
func (OrderGoods) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("order", OrderInfo.Type).Ref("lines").Field("order_id").Unique().Required().Immutable(),
	}
}

func (OrderGoods) Indexes() []ent.Index {
	return []ent.Index{index.Fields("sku_id", "commented", "commented_at")}
}

// Payment records money received for an order. The provider's trade number
// is unique, so a notification delivered twice records one payment.
type Payment struct{ ent.Schema }

func (Payment) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "payments"}}
}

func (Payment) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Payment) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id").Immutable(),
		field.Enum("provider").Values("ALIPAY").Immutable(),
		field.String("trade_no").NotEmpty().MaxLen(64).Unique().Immutable(),
		field.Int64("amount").GoType(money.Fen(0)).Min(0).Immutable().
			Annotations(entgql.Type("Money")),
		field.Time("paid_at").SchemaType(datetime6),
		// A payment for an order that no longer waits for it is born owing
		// a refund (refund_no set in the transaction that records it); the
		// refund is done when refunded_at is set. refund_requested_at is
		// the lease of whoever is asking Alipay right now, so concurrent
		// finishers make one call; an expired lease (a crash mid-call) lets
		// the next one retry with the same refund_no.
		field.String("refund_no").Optional().Nillable().MaxLen(64).
			Comment("set when the payment is owed back (e.g. paid after cancel); Alipay's out_request_no"),
		field.Time("refund_requested_at").Optional().Nillable().SchemaType(datetime6).
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Time("refunded_at").Optional().Nillable().SchemaType(datetime6).
			Comment("set when Alipay confirmed the refund"),
	}
}

func (Payment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("order", OrderInfo.Type).Ref("payments").Field("order_id").Unique().Required().Immutable(),
	}
}

func (Payment) Indexes() []ent.Index {
	// The sweeper's scan for refunds owed and not done.
	return []ent.Index{index.Fields("refunded_at", "refund_no")}
}
