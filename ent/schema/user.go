package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// User is a shopper account.
type User struct{ ent.Schema }

func (User) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "users"}}
}

func (User) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("username").NotEmpty().MaxLen(20).Unique(),
		field.String("mobile").NotEmpty().MaxLen(11).Unique(),
		field.String("password_hash").Sensitive().NotEmpty(),
		field.Bool("active").Default(true),
		// The email is the shopper's to set and proves nothing until a
		// link sent to it comes back (email_verified). It is not unique:
		// a uniqueness error would tell anyone whose address it is.
		field.String("email").Optional().Nillable().MaxLen(254),
		field.Bool("email_verified").Default(false),
		// SHA-256 of the nonce in the one outstanding verification link;
		// a used or superseded link no longer matches. Kept in the row,
		// not Redis, so a Redis that lost its data cannot revive a link.
		field.String("email_token").Optional().Nillable().Sensitive().MaxLen(64).
			Annotations(entgql.Skip(entgql.SkipAll)),
		// The QQ Connect openid bound to the account: one each way.
		field.String("qq_openid").Optional().Nillable().Unique().MaxLen(64).
			Annotations(entgql.Skip(entgql.SkipAll)),
		// Set when an order of this shopper could not take its lines out
		// of the cart (Redis did not answer): the next checkout settles
		// first. A point read on this row is cheap; a read of the orders'
		// cart_owed index, which every order flips twice, was not.
		field.Bool("cart_owed").Default(false).Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("addresses", Address.Type).Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("orders", OrderInfo.Type).Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("sessions", Session.Type).Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Address is an entry of a shopper's address book. Orders copy it, so editing
// or deleting an address never rewrites an order's history.
type Address struct{ ent.Schema }

func (Address) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "addresses"}}
}

func (Address) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Address) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("receiver").NotEmpty().MaxLen(128),
		field.String("mobile").NotEmpty().MaxLen(11),
		field.String("province").NotEmpty().MaxLen(128),
		field.String("city").NotEmpty().MaxLen(128),
		field.String("district").NotEmpty().MaxLen(128),
		// GB/T 2260 codes (internal/area); the names above are derived
		// from them. Null only on addresses older than the codes whose
		// names matched no area.
		field.String("province_code").Optional().Nillable().MaxLen(6),
		field.String("city_code").Optional().Nillable().MaxLen(6),
		field.String("district_code").Optional().Nillable().MaxLen(6),
		field.String("detail").NotEmpty().MaxLen(800),
		field.Bool("is_default").Default(false),
	}
}

func (Address) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("addresses").Field("user_id").Unique().Required().
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

func (Address) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id", "is_default")}
}
