package graph_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/gqltest"
)

// forgeCursor encodes a cursor the way the server does, with any value.
func forgeCursor(t *testing.T, value any) string {
	t.Helper()
	var b strings.Builder
	ent.Cursor{ID: 1, Value: value}.MarshalGQL(&b)
	c, err := strconv.Unquote(b.String())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAForgedCursorValueIsBadInput(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	sh := s.NewShopper(t)
	docs := []string{
		`query($c: Cursor) { skus(first: 5, after: $c, orderBy: {field: PRICE, direction: ASC}) { edges { node { id } } } }`,
		`query($c: Cursor) { skus(last: 5, before: $c, orderBy: {field: SALES, direction: DESC}) { edges { node { id } } } }`,
		`query($c: Cursor) { myOrders(first: 5, after: $c) { edges { node { id } } } }`,
	}
	for name, v := range map[string]any{
		"map":          map[string]any{"price": 1},
		"array":        []any{1, 2},
		"nested array": []any{[]any{"x"}},
	} {
		for _, doc := range docs {
			res := s.Post(t, gqltest.Request{Query: doc, Header: sh.Header(), Variables: map[string]any{"c": forgeCursor(t, v)}})
			if res.Code() != "BAD_USER_INPUT" {
				t.Errorf("%s value: %s: %+v, want BAD_USER_INPUT", name, doc, res.Errors)
			}
		}
	}
	// A cursor the server issued still pages.
	page := `query($c: Cursor) { skus(first: 2, after: $c, orderBy: {field: PRICE, direction: ASC}) {
		pageInfo { endCursor } edges { node { id } } } }`
	var first, second struct {
		Skus struct {
			PageInfo struct{ EndCursor string }
			Edges    []struct{ Node struct{ ID string } }
		}
	}
	s.Query(t, page, nil, &first)
	s.Query(t, page, map[string]any{"c": first.Skus.PageInfo.EndCursor}, &second)
	if len(second.Skus.Edges) != 2 || second.Skus.Edges[0].Node.ID == first.Skus.Edges[0].Node.ID {
		t.Fatalf("the second page %+v does not follow the first %+v", second.Skus, first.Skus)
	}
}
