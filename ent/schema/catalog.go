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
)

// Category is a node of the catalog tree (e.g. Phones > Smartphones).
type Category struct{ ent.Schema }

func (Category) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "categories"}}
}

func (Category) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Category) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(256),
		field.Int("sort").Default(0).Comment("display order among siblings, ascending"),
		field.Int("parent_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

func (Category) Edges() []ent.Edge {
	return []ent.Edge{
		// Resolved through internal/catalog, which orders siblings by sort.
		edge.To("children", Category.Type).Annotations(entgql.Skip(entgql.SkipAll)).
			From("parent").Unique().Field("parent_id").
			Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("goods", Goods.Type).Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("skus", SKU.Type).Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

func (Category) Indexes() []ent.Index {
	return []ent.Index{index.Fields("parent_id", "sort")}
}

// Goods is an SPU: one product with specifications (colour, size) whose
// combinations are the SKUs.
type Goods struct{ ent.Schema }

func (Goods) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "goods"}}
}

func (Goods) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Goods) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(512),
		field.String("description").MaxLen(8000).Default(""),
		field.Int("category_id"),
	}
}

func (Goods) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("category", Category.Type).Ref("goods").Field("category_id").Unique().Required(),
		edge.To("specifications", GoodsSpecification.Type),
		// Not exposed: it would list unlaunched SKUs. SKU.specifications
		// leads from one SKU to its launched siblings.
		edge.To("skus", SKU.Type).Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// GoodsSpecification is one axis of variation of an SPU, e.g. "Colour".
type GoodsSpecification struct{ ent.Schema }

func (GoodsSpecification) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "goods_specifications"}}
}

func (GoodsSpecification) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(256),
		field.Int("sort").Default(0),
		field.Int("goods_id"),
	}
}

func (GoodsSpecification) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("goods", Goods.Type).Ref("specifications").Field("goods_id").Unique().Required(),
		edge.To("options", SpecificationOption.Type),
	}
}

func (GoodsSpecification) Indexes() []ent.Index {
	return []ent.Index{index.Fields("goods_id", "sort")}
}

// SpecificationOption is one value of a specification, e.g. "Blue".
type SpecificationOption struct{ ent.Schema }

func (SpecificationOption) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "specification_options"}}
}

func (SpecificationOption) Fields() []ent.Field {
	return []ent.Field{
		field.String("value").NotEmpty().MaxLen(256),
		field.Int("sort").Default(0),
		field.Int("specification_id"),
	}
}

func (SpecificationOption) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("specification", GoodsSpecification.Type).Ref("options").Field("specification_id").Unique().Required(),
		edge.From("skus", SKU.Type).Ref("options").Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

func (SpecificationOption) Indexes() []ent.Index {
	return []ent.Index{index.Fields("specification_id", "sort")}
}

// SKU is what a shopper buys: one combination of an SPU's options, with its
// own price and stock. stock and sales only ever change through guarded
// atomic updates (see internal/order), so stock + sales stays constant under
// sales.
type SKU struct{ ent.Schema }

func (SKU) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{Table: "skus"},
		entgql.RelayConnection(),
	}
}

func (SKU) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{Orderable: true}} }

func (SKU) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(512),
		field.String("caption").Default("").MaxLen(1024),
		field.Int64("price").GoType(money.Fen(0)).Min(0).
			Annotations(entgql.Type("Money"), entgql.OrderField("PRICE")).
			Comment("unit price now"),
		field.Int64("market_price").GoType(money.Fen(0)).Min(0).Default(0).
			Annotations(entgql.Type("Money")).Comment("list price shown struck through"),
		field.Int("stock").NonNegative().Default(0),
		field.Int("sales").NonNegative().Default(0).
			Annotations(entgql.OrderField("SALES")),
		field.Bool("launched").Default(true).Comment("only launched SKUs are shown and sold"),
		field.String("image").Default("").MaxLen(512),
		// The gallery in display order, kept on the row: a page of SKUs
		// shows its pictures without another statement. image is the
		// default (list) picture, one of these when there are any.
		field.Strings("images").Optional().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("category_id"),
		field.Int("goods_id"),
		// Stored 0 is the shop's default; GraphQL resolves the limit in
		// force (gqlgen.yml), so clients see the default's value.
		field.Int("purchase_limit").NonNegative().Default(0).
			Comment("the most units one shopper may buy: in one order, and over their orders of the limit window (-purchase-limit-window) that are not canceled; 0: no limit"),
	}
}

func (SKU) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("category", Category.Type).Ref("skus").Field("category_id").Unique().Required(),
		edge.From("goods", Goods.Type).Ref("skus").Field("goods_id").Unique().Required(),
		edge.To("options", SpecificationOption.Type).Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

func (SKU) Indexes() []ent.Index {
	return []ent.Index{
		// The catalog pages filter by launched (and category) and sort by one
		// of these columns with id as the cursor tie-breaker.
		index.Fields("launched", "category_id", "price", "id"),
		index.Fields("launched", "category_id", "sales", "id"),
		index.Fields("launched", "category_id", "created_at", "id"),
		index.Fields("launched", "price", "id"),
		index.Fields("launched", "sales", "id"),
		index.Fields("launched", "created_at", "id"),
	}
}

// ChannelGroup is a group of the home page's category menu (meiduo's
// GoodsChannelGroup): a row of top-level categories.
type ChannelGroup struct{ ent.Schema }

func (ChannelGroup) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "channel_groups"}}
}

func (ChannelGroup) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (ChannelGroup) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(64),
		field.Int("sort").Default(0).Comment("display order of the groups, ascending"),
	}
}

func (ChannelGroup) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("channels", Channel.Type).Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Channel puts one top-level category in a menu group, with the page it
// links to (meiduo's GoodsChannel).
type Channel struct{ ent.Schema }

func (Channel) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "channels"}}
}

func (Channel) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Channel) Fields() []ent.Field {
	return []ent.Field{
		field.Int("group_id").Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("category_id").Unique().Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("url").NotEmpty().MaxLen(512),
		field.Int("sort").Default(0).Comment("display order within the group, ascending"),
	}
}

func (Channel) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("group", ChannelGroup.Type).Ref("channels").Field("group_id").Unique().Required().
			Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("category", Category.Type).Field("category_id").Unique().Required().
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}
