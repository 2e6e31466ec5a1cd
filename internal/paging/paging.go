// Package paging validates Relay connection arguments and decodes cursors
// so that a bad page request is a BAD_USER_INPUT, never an internal error.
package paging

import (
	"io"
	"reflect"
	"time"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/apperr"
)

// MaxPageSize bounds first and last; DefaultPageSize applies when neither is
// given, so no request can read a whole table.
const (
	MaxPageSize     = 100
	DefaultPageSize = 20
)

// Cursor is the argument form of ent.Cursor: gqlgen decodes connection
// arguments into it (see gqlgen.yml) so a malformed cursor gets a code.
type Cursor struct{ ent.Cursor }

// MarshalGQL is required by gqlgen for a scalar model; it writes the same
// form ent.Cursor does.
func (c Cursor) MarshalGQL(w io.Writer) { c.Cursor.MarshalGQL(w) }

// UnmarshalGQL decodes an opaque cursor. Cursors are not signed, so a
// client can send any value ent's encoding carries: only a scalar can have
// come from an order field, and anything else (a map, an array) would reach
// the SQL driver as an argument it cannot send.
func (c *Cursor) UnmarshalGQL(v any) error {
	if err := c.Cursor.UnmarshalGQL(v); err != nil || !scalar(c.Value) {
		return apperr.BadInput("malformed cursor")
	}
	return nil
}

// scalar reports whether v is nil or a value an order field can hold.
func scalar(v any) bool {
	if v == nil {
		return true
	}
	if _, ok := v.(time.Time); ok {
		return true
	}
	switch reflect.TypeOf(v).Kind() {
	case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// Args are a connection's paging arguments after validation.
type Args struct {
	After  *ent.Cursor
	First  *int
	Before *ent.Cursor
	Last   *int
}

// Size returns how many rows the page can hold.
func (a Args) Size() int {
	switch {
	case a.First != nil:
		return *a.First
	case a.Last != nil:
		return *a.Last
	}
	return DefaultPageSize
}

// Validate checks first/last and fills in the default page size.
func Validate(after *Cursor, first *int, before *Cursor, last *int) (Args, error) {
	a := Args{First: first, Last: last}
	if after != nil {
		a.After = &after.Cursor
	}
	if before != nil {
		a.Before = &before.Cursor
	}
	for name, n := range map[string]*int{"first": first, "last": last} {
		if n != nil && (*n < 0 || *n > MaxPageSize) {
			return Args{}, apperr.BadInput("%s must be between 0 and %d", name, MaxPageSize)
		}
	}
	if first != nil && last != nil {
		return Args{}, apperr.BadInput("pass first or last, not both")
	}
	if first == nil && last == nil {
		n := DefaultPageSize
		if before != nil {
			a.Last = &n
		} else {
			a.First = &n
		}
	}
	return a, nil
}
