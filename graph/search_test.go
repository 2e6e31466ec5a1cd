package graph_test

import (
	"strings"
	"testing"

	"github.com/storefront/storefront/internal/apikey"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/money"
)

const searchDoc = `query($q: String!, $first: Int, $after: String, $cat: ID, $min: Money, $max: Money, $order: SkuSearchOrder) {
  searchSkus(query: $q, first: $first, after: $after, categoryId: $cat, priceMin: $min, priceMax: $max, orderBy: $order) {
    totalCount
    edges { cursor highlight node { id name launched price stock } }
    pageInfo { hasNextPage endCursor }
    facets { category { id name } count }
  }
}`

type searchPage struct {
	SearchSkus struct {
		TotalCount int
		Edges      []struct {
			Cursor, Highlight string
			Node              struct {
				ID, Name, Price string
				Launched        bool
				Stock           int
			}
		}
		PageInfo struct {
			HasNextPage bool
			EndCursor   *string
		}
		Facets []struct {
			Category struct{ ID, Name string }
			Count    int
		}
	}
}

func searchFor(t *testing.T, s *gqltest.Server, vars map[string]any) searchPage {
	t.Helper()
	var p searchPage
	s.Query(t, searchDoc, vars, &p)
	return p
}

func TestSearchFindsLaunchedSKUsWithHighlightsFacetsAndPages(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	p := searchFor(t, s, map[string]any{"q": "aurora", "first": 2})
	// Aurora X1 has six combinations, one unlaunched: five are found, and
	// the three MagSafe cases whose caption names it.
	if p.SearchSkus.TotalCount != 8 || len(p.SearchSkus.Edges) != 2 || !p.SearchSkus.PageInfo.HasNextPage {
		t.Fatalf("aurora: total %d, %d edges, next %v", p.SearchSkus.TotalCount, len(p.SearchSkus.Edges), p.SearchSkus.PageInfo.HasNextPage)
	}
	seen := map[string]bool{}
	for page := p; ; {
		for _, e := range page.SearchSkus.Edges {
			if !strings.Contains(e.Highlight, "<em>Aurora</em>") || !e.Node.Launched || seen[e.Node.ID] {
				t.Fatalf("edge %+v (seen before: %v)", e, seen[e.Node.ID])
			}
			seen[e.Node.ID] = true
		}
		if !page.SearchSkus.PageInfo.HasNextPage {
			break
		}
		page = searchFor(t, s, map[string]any{"q": "aurora", "first": 2, "after": *page.SearchSkus.PageInfo.EndCursor})
	}
	if len(seen) != 8 {
		t.Fatalf("the pages held %d SKUs, want 8", len(seen))
	}
	if f := p.SearchSkus.Facets; len(f) != 2 || f[0].Category.Name != "Smartphones" || f[0].Count != 5 || f[1].Count != 3 {
		t.Fatalf("facets %+v", f)
	}
	cheap := searchFor(t, s, map[string]any{"q": "", "max": "100.00", "order": "PRICE"})
	for _, e := range cheap.SearchSkus.Edges {
		if v, err := money.Parse(e.Node.Price); err != nil || v > 100_00 {
			t.Fatalf("priceMax 100.00 found %s at %s", e.Node.Name, e.Node.Price)
		}
	}
	if cheap.SearchSkus.TotalCount == 0 {
		t.Fatal("nothing under 100.00 (the MagSafe cases are 99 to 119)")
	}
}

func TestAPartnersChangeReachesSearchAtOnce(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	key := partnerKey(t, s, apikey.CatalogWrite)
	id := skuIDByName(t, s, "Studio Max Sand")
	var off struct{ SetSkuLaunched struct{ Launched bool } }
	mustDecode(t, s.Post(t, gqltest.Request{Query: `mutation($id: ID!) { setSkuLaunched(id: $id, launched: false) { launched } }`,
		Header: key, Variables: map[string]any{"id": id}}), &off)
	for _, e := range searchFor(t, s, map[string]any{"q": "studio max"}).SearchSkus.Edges {
		if e.Node.ID == id {
			t.Fatal("a SKU taken off sale is still found")
		}
	}
	var renamed struct{ UpdateSku struct{ Name string } }
	mustDecode(t, s.Post(t, gqltest.Request{Query: `mutation($id: ID!) { updateSku(id: $id, input: {name: "Studio Max 独家测试款"}) { name } }`,
		Header: key, Variables: map[string]any{"id": skuIDByName(t, s, "Studio Max Black")}}), &renamed)
	p := searchFor(t, s, map[string]any{"q": "独家测试款"})
	if len(p.SearchSkus.Edges) != 1 || p.SearchSkus.Edges[0].Node.Name != "Studio Max 独家测试款" {
		t.Fatalf("after the rename: %+v", p.SearchSkus.Edges)
	}
}

func TestBadSearchesAreRefusedWithTheirField(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	for _, c := range []struct {
		vars  map[string]any
		field string
	}{
		{map[string]any{"q": strings.Repeat("手机", 60)}, "query"},
		{map[string]any{"q": "a\x00b"}, "query"},
		{map[string]any{"q": "x", "min": "-1.00"}, "priceMin"},
		{map[string]any{"q": "x", "min": "9.00", "max": "1.00"}, "priceMax"},
		{map[string]any{"q": "x", "first": 101}, "first"},
		{map[string]any{"q": "x", "after": "not-a-cursor"}, "after"},
	} {
		res := s.Post(t, gqltest.Request{Query: searchDoc, Variables: c.vars})
		if res.Code() != apperr.CodeBadUserInput || field(res) != c.field {
			t.Errorf("%v: %+v, want BAD_USER_INPUT on %s", c.vars, res.Errors, c.field)
		}
	}
	if res := s.Post(t, gqltest.Request{Query: searchDoc, Variables: map[string]any{"q": "x", "cat": "Q2F0ZWdvcnk6OTk5"}}); res.Code() != apperr.CodeNotFound && res.Code() != apperr.CodeBadUserInput {
		t.Errorf("an unknown category: %+v", res.Errors)
	}
}

// A misspelt word is answered with what it probably meant, and says so;
// pinyin is an exact answer.
func TestSearchAnswersMisspellingsApproximatelyAndPinyinExactly(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	const doc = `query($q: String!) { searchSkus(query: $q, first: 3) { totalCount approximate edges { node { name } } } }`
	var got struct {
		SearchSkus struct {
			TotalCount  int
			Approximate bool
			Edges       []struct{ Node struct{ Name string } }
		}
	}
	for q, want := range map[string]struct {
		approximate bool
		name        string
	}{
		"aurroa": {true, "Aurora"}, "aurora": {false, "Aurora"}, "shouji": {false, "手机"},
	} {
		s.Query(t, doc, map[string]any{"q": q}, &got)
		r := got.SearchSkus
		if r.Approximate != want.approximate || len(r.Edges) == 0 || !strings.Contains(r.Edges[0].Node.Name, want.name) {
			t.Errorf("%q: approximate %v, %+v; want approximate %v and %q first", q, r.Approximate, r.Edges, want.approximate, want.name)
		}
	}
}
