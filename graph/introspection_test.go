package graph_test

import (
	"testing"

	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/gqltest"
)

// A MySQL deployment (introspection off by default) does not hand its
// schema to whoever asks; the embedded default and -introspection do.
func TestIntrospectionIsRefusedWhereItIsOff(t *testing.T) {
	t.Parallel()
	closed := gqltest.Start(t, gqltest.Options{NoSeed: true, Config: func(c *config.Config) { c.Introspection = false }})
	res := closed.Post(t, gqltest.Request{Query: `{ __schema { types { name } } }`})
	if len(res.Errors) == 0 || res.Code() == "" {
		t.Fatalf("introspection off: %s %+v, want a coded error", res.Data, res.Errors)
	}
	open := gqltest.Start(t, gqltest.Options{NoSeed: true})
	if res := open.Post(t, gqltest.Request{Query: `{ __schema { queryType { name } } }`}); len(res.Errors) > 0 {
		t.Fatalf("introspection on: %+v", res.Errors)
	}
}
