// Package gid encodes the GraphQL ID scalar.
//
// Ent allocates ids in a separate range per type (the sql/globalid feature),
// so an id alone names its type and node(id:) can resolve it. Clients see the
// id base64url-encoded so they treat it as opaque and never build one from a
// number they guessed.
package gid

import (
	"encoding/base64"
	"io"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/storefront/storefront/internal/apperr"
)

// ErrMalformed is returned for a string that no server ever issued as an id.
var ErrMalformed = apperr.BadInput("malformed id")

const prefix = "sf:"

// Encode returns the opaque form of an Ent id.
func Encode(id int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + strconv.Itoa(id)))
}

// Derived returns the opaque id of an object that has no row of its own,
// and so no Ent id (a cart, a cart line, a checkout preview), from its kind
// and what names it. It is the same for as long as those are, which is all
// a client cache needs; Decode refuses it: it names no node.
func Derived(kind string, parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + kind + ":" + strings.Join(parts, ":")))
}

// Decode reverses Encode.
func Decode(s string) (int, error) {
	if len(s) == 0 || len(s) > 32 {
		return 0, ErrMalformed
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) <= len(prefix) || string(b[:len(prefix)]) != prefix {
		return 0, ErrMalformed
	}
	n, err := strconv.Atoi(string(b[len(prefix):]))
	if err != nil || n <= 0 || strconv.Itoa(n) != string(b[len(prefix):]) {
		return 0, ErrMalformed
	}
	return n, nil
}

// MarshalID is gqlgen's marshaler for the ID scalar.
func MarshalID(id int) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(Encode(id)))
	})
}

// UnmarshalID is gqlgen's unmarshaler for the ID scalar.
func UnmarshalID(v any) (int, error) {
	s, ok := v.(string)
	if !ok {
		return 0, apperr.BadInput("malformed id: an id is a string, got %T", v)
	}
	return Decode(s)
}
