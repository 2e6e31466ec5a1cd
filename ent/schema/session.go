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

// Session is one refresh token of a login. Tokens rotate on every use; all
// tokens of one login share a family, so reuse of a rotated token (a sign of
// theft) revokes the whole family. Only a hash of the token is stored.
type Session struct{ ent.Schema }

func (Session) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{Table: "sessions"},
		entgql.Skip(entgql.SkipAll),
	}
}

func (Session) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (Session) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").Immutable(),
		field.String("family").NotEmpty().MaxLen(64).Immutable(),
		field.String("token_hash").NotEmpty().MaxLen(64).Unique().Immutable().Sensitive(),
		field.Time("expires_at").SchemaType(datetime6).Immutable(),
		field.Time("rotated_at").Optional().Nillable().SchemaType(datetime6).
			Comment("set when this token was exchanged for the next one"),
		field.Time("revoked_at").Optional().Nillable().SchemaType(datetime6),
		field.String("user_agent").Default("").MaxLen(256).Immutable(),
		field.String("ip").Default("").MaxLen(64).Immutable(),
	}
}

func (Session) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("sessions").Field("user_id").Unique().Required().Immutable(),
	}
}

func (Session) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("family"),
		index.Fields("user_id", "revoked_at"),
	}
}

// APIKey lets a partner system call partner operations. The key is shown
// once at creation; only its hash is stored, found by its public prefix.
type APIKey struct{ ent.Schema }

func (APIKey) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{Table: "api_keys"},
		entgql.Skip(entgql.SkipAll),
	}
}

func (APIKey) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

func (APIKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(64),
		field.String("prefix").NotEmpty().MaxLen(16).Unique().Immutable().
			Comment("public part of the key, used to find it"),
		field.String("key_hash").NotEmpty().MaxLen(64).Immutable().Sensitive(),
		field.Strings("scopes"),
		field.Time("last_used_at").Optional().Nillable().SchemaType(datetime6),
		field.Time("revoked_at").Optional().Nillable().SchemaType(datetime6),
	}
}
