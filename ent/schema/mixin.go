package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// String columns are sized in bytes (Ent's MaxLen counts bytes): user-facing
// text gets four bytes a character, and the domain packages enforce the
// limits in characters.

// datetime6 keeps microseconds and avoids TIMESTAMP's 2038 limit on MySQL.
var datetime6 = map[string]string{dialect.MySQL: "datetime(6)"}

// TimeMixin adds created_at and updated_at. Orderable makes created_at a
// GraphQL ordering field ("newest first") for the types that list by it.
type TimeMixin struct {
	mixin.Schema
	Orderable bool
}

func (m TimeMixin) Fields() []ent.Field {
	created := []schema.Annotation{entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)}
	if m.Orderable {
		created = append(created, entgql.OrderField("CREATED_AT"))
	}
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable().SchemaType(datetime6).
			Annotations(created...),
		field.Time("updated_at").Default(time.Now).UpdateDefault(time.Now).SchemaType(datetime6).
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}
