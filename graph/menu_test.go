package graph_test

import (
	"testing"

	"github.com/storefront/storefront/internal/apikey"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/gqltest"
)

const menuDoc = `{ menu { id name channels { url category { id name children { id name children { id name } } } } } }`

type menuPage struct {
	Menu []struct {
		ID, Name string
		Channels []struct {
			URL      string
			Category struct {
				ID, Name string
				Children []struct{ ID, Name string }
			}
		}
	}
}

func TestTheMenuIsCachedAndFollowsThePartner(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	var m menuPage
	s.Query(t, menuDoc, nil, &m)
	if len(m.Menu) < 3 || len(m.Menu[0].Channels) != 2 || m.Menu[0].Channels[0].Category.Name != "Phones" ||
		len(m.Menu[0].Channels[0].Category.Children) != 2 || m.Menu[0].Channels[0].URL == "" {
		t.Fatalf("the demo menu: %+v", m.Menu)
	}
	before := s.Statements()
	s.Query(t, menuDoc, nil, &m)
	if n := s.Statements() - before; n != 0 {
		t.Fatalf("a cached menu cost %d statements", n)
	}
	key := partnerKey(t, s, apikey.CatalogWrite)
	var made struct{ CreateCategory struct{ ID string } }
	mustDecode(t, s.Post(t, gqltest.Request{Query: `mutation { createCategory(name: "图书", sort: 9) { id } }`, Header: key}), &made)
	var group struct{ CreateChannelGroup struct{ ID string } }
	mustDecode(t, s.Post(t, gqltest.Request{Query: `mutation { createChannelGroup(name: "图书音像", sort: 9) { id } }`, Header: key}), &group)
	var set struct{ SetChannel bool }
	mustDecode(t, s.Post(t, gqltest.Request{Query: `mutation($g: ID!, $c: ID!) { setChannel(groupId: $g, categoryId: $c, url: "/list/books/") }`,
		Header: key, Variables: map[string]any{"g": group.CreateChannelGroup.ID, "c": made.CreateCategory.ID}}), &set)
	var sub struct{ CreateCategory struct{ ID string } }
	mustDecode(t, s.Post(t, gqltest.Request{Query: `mutation($p: ID!) { createCategory(name: "小说", parentId: $p) { id } }`,
		Header: key, Variables: map[string]any{"p": made.CreateCategory.ID}}), &sub)
	s.Query(t, menuDoc, nil, &m)
	last := m.Menu[len(m.Menu)-1]
	if last.Name != "图书音像" || len(last.Channels) != 1 || last.Channels[0].Category.Name != "图书" ||
		len(last.Channels[0].Category.Children) != 1 || last.Channels[0].Category.Children[0].Name != "小说" {
		t.Fatalf("after the partner's changes the menu ends %+v", last)
	}
	for _, c := range []struct {
		doc  string
		vars map[string]any
		code string
	}{
		{`mutation($g: ID!, $c: ID!) { setChannel(groupId: $g, categoryId: $c, url: "/x/") }`, map[string]any{"g": group.CreateChannelGroup.ID, "c": sub.CreateCategory.ID}, apperr.CodeBadUserInput},
		{`mutation($g: ID!, $c: ID!) { setChannel(groupId: $g, categoryId: $c, url: "javascript:alert(1)") }`, map[string]any{"g": group.CreateChannelGroup.ID, "c": made.CreateCategory.ID}, apperr.CodeBadUserInput},
		{`mutation { createCategory(name: "") { id } }`, map[string]any{}, apperr.CodeBadUserInput},
		{`mutation($c: ID!) { removeChannel(categoryId: $c) }`, map[string]any{"c": sub.CreateCategory.ID}, apperr.CodeNotFound},
	} {
		if res := s.Post(t, gqltest.Request{Query: c.doc, Header: key, Variables: c.vars}); res.Code() != c.code {
			t.Errorf("%s: %+v, want %s", c.doc, res.Errors, c.code)
		}
	}
	var removed struct{ RemoveChannel bool }
	mustDecode(t, s.Post(t, gqltest.Request{Query: `mutation($c: ID!) { removeChannel(categoryId: $c) }`, Header: key,
		Variables: map[string]any{"c": made.CreateCategory.ID}}), &removed)
	s.Query(t, menuDoc, nil, &m)
	if last := m.Menu[len(m.Menu)-1]; len(last.Channels) != 0 {
		t.Fatalf("a removed channel is still in the menu: %+v", last)
	}
}

// SKUs are indexed with their category's name (a shopper types the kind
// of thing): a partner's rename is found by search when it answers.
func TestARenamedCategoryIsFoundBySearch(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	var cats struct {
		Categories []struct{ Children []struct{ ID, Name string } }
	}
	s.Query(t, `{ categories { children { id name } } }`, nil, &cats)
	var earbuds string
	for _, c := range cats.Categories {
		for _, k := range c.Children {
			if k.Name == "Earbuds" {
				earbuds = k.ID
			}
		}
	}
	if p := searchFor(t, s, map[string]any{"q": "声学器材"}); p.SearchSkus.TotalCount != 0 {
		t.Fatalf("before the rename: %d hits", p.SearchSkus.TotalCount)
	}
	var renamed struct{ UpdateCategory struct{ Name string } }
	mustDecode(t, s.Post(t, gqltest.Request{Query: `mutation($id: ID!) { updateCategory(id: $id, name: "声学器材") { name } }`,
		Header: partnerKey(t, s, apikey.CatalogWrite), Variables: map[string]any{"id": earbuds}}), &renamed)
	p := searchFor(t, s, map[string]any{"q": "声学器材"})
	if p.SearchSkus.TotalCount == 0 {
		t.Fatal("the renamed category's SKUs are not found by its new name")
	}
}
