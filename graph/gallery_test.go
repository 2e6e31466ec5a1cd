package graph_test

import (
	"testing"

	"github.com/storefront/storefront/internal/apikey"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/gqltest"
)

type galleryAnswer struct {
	Image  string
	Images []struct {
		URL       string
		IsDefault bool
	}
}

func TestAPartnerKeepsASKUsGallery(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	key := partnerKey(t, s, apikey.CatalogWrite)
	id := skuIDByName(t, s, "Echo Buds White")
	call := func(doc string, vars map[string]any) (galleryAnswer, gqltest.Response) {
		t.Helper()
		vars["id"] = id
		res := s.Post(t, gqltest.Request{Query: doc, Header: key, Variables: vars})
		var out map[string]galleryAnswer
		if len(res.Errors) == 0 {
			mustDecode(t, res, &out)
		}
		for _, v := range out {
			return v, res
		}
		return galleryAnswer{}, res
	}
	const sel = `{ image images { url isDefault } }`
	add := `mutation($id: ID!, $u: String!, $p: Int) { addSkuImage(skuId: $id, url: $u, position: $p) ` + sel + ` }`
	call(add, map[string]any{"u": "https://img.example/a.jpg"})
	call(add, map[string]any{"u": "/images/b.jpg"})
	g, _ := call(add, map[string]any{"u": "https://img.example/c.jpg", "p": 0})
	urls := func(g galleryAnswer) (out []string) {
		for _, i := range g.Images {
			out = append(out, i.URL)
		}
		return out
	}
	if want := []string{"https://img.example/c.jpg", "https://img.example/a.jpg", "/images/b.jpg"}; !equalStrings(urls(g), want) || g.Image != "https://img.example/a.jpg" || !g.Images[1].IsDefault {
		t.Fatalf("after three adds: %+v", g)
	}
	call(`mutation($id: ID!, $u: [String!]!) { reorderSkuImages(skuId: $id, urls: $u) `+sel+` }`,
		map[string]any{"u": []string{"/images/b.jpg", "https://img.example/a.jpg", "https://img.example/c.jpg"}})
	call(`mutation($id: ID!, $u: String!) { setDefaultSkuImage(skuId: $id, url: $u) `+sel+` }`, map[string]any{"u": "/images/b.jpg"})
	g, _ = call(`mutation($id: ID!, $u: String!) { removeSkuImage(skuId: $id, url: $u) `+sel+` }`, map[string]any{"u": "/images/b.jpg"})
	if want := []string{"https://img.example/a.jpg", "https://img.example/c.jpg"}; !equalStrings(urls(g), want) || g.Image != "https://img.example/a.jpg" {
		t.Fatalf("after reorder, default and removing the default: %+v", g)
	}
	// Shoppers see it on the SKU, with no more statements than before.
	var shown struct{ Node galleryAnswer }
	s.Query(t, `query($id: ID!) { node(id: $id) { ... on SKU `+sel+` } }`, map[string]any{"id": id}, &shown)
	if !equalStrings(urls(shown.Node), urls(g)) {
		t.Fatalf("the shopper sees %+v", shown.Node)
	}
	for _, c := range []struct {
		doc   string
		vars  map[string]any
		code  string
		field string
	}{
		{add, map[string]any{"u": "javascript:alert(1)"}, apperr.CodeBadUserInput, "url"},
		{add, map[string]any{"u": "https://img.example/a.jpg"}, apperr.CodeBadUserInput, "url"},
		{add, map[string]any{"u": "/x.jpg", "p": -1}, apperr.CodeBadUserInput, "position"},
		{`mutation($id: ID!, $u: [String!]!) { reorderSkuImages(skuId: $id, urls: $u) { id } }`, map[string]any{"u": []string{"https://img.example/a.jpg"}}, apperr.CodeBadUserInput, "urls"},
		{`mutation($id: ID!, $u: String!) { removeSkuImage(skuId: $id, url: $u) { id } }`, map[string]any{"u": "/never.jpg"}, apperr.CodeNotFound, ""},
	} {
		_, res := call(c.doc, c.vars)
		if res.Code() != c.code || field(res) != c.field {
			t.Errorf("%v: %+v, want %s on %q", c.vars, res.Errors, c.code, c.field)
		}
	}
	if g, _ := call(`query($id: ID!) { node(id: $id) { ... on SKU `+sel+` } }`, map[string]any{}); len(g.Images) != 2 {
		t.Fatalf("refused changes wrote: %+v", g)
	}
	if res := s.Post(t, gqltest.Request{Query: add, Header: partnerKey(t, s, apikey.OrdersRead), Variables: map[string]any{"id": id, "u": "/y.jpg"}}); res.Code() != apperr.CodeForbidden {
		t.Fatalf("without catalog:write: %+v", res.Errors)
	}
}
