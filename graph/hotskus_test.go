package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/storefront/storefront/internal/apikey"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/gid"
	"github.com/storefront/storefront/internal/gqltest"
)

const hotDoc = `{ categories { name hotSkus(first: 3) { name sales } } }`

type hotPage struct {
	Categories []struct {
		Name    string
		HotSkus []struct {
			Name  string
			Sales int
		}
	}
}

func hotOf(t *testing.T, s *gqltest.Server, category string) []string {
	t.Helper()
	var p hotPage
	s.Query(t, hotDoc, nil, &p)
	for _, c := range p.Categories {
		if c.Name == category {
			var out []string
			for _, k := range c.HotSkus {
				out = append(out, k.Name)
			}
			return out
		}
	}
	t.Fatalf("no top category %q", category)
	return nil
}

// A category's best sellers span its sub-categories, come from the cache
// with no SQL once read, and follow a partner who takes one off sale.
func TestHotSKUsOfACategoryAreCachedAndFollowThePartner(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	ctx := t.Context()
	// Make sales that order the Audio tree: Echo Buds Black, then Studio
	// Max Sand, across its two sub-categories.
	for name, sales := range map[string]int{"Echo Buds Black": 900, "Studio Max Sand": 700, "Echo Buds Green": 100} {
		id, _ := gid.Decode(skuIDByName(t, s, name))
		s.App.DB.Client.SKU.UpdateOneID(id).SetSales(sales).ExecX(ctx)
	}
	want := []string{"Echo Buds Black", "Studio Max Sand", "Echo Buds Green"}
	if got := hotOf(t, s, "Audio"); !equalStrings(got, want) {
		t.Fatalf("hot Audio %v, want %v", got, want)
	}
	before := s.Statements()
	hotOf(t, s, "Audio")
	// The categories query itself is one statement; the hot lists none.
	if n := s.Statements() - before; n != 1 {
		t.Fatalf("a cached hot list cost %d statements for the page, want 1 (the category list)", n)
	}
	key := partnerKey(t, s, apikey.CatalogWrite)
	var off struct{ SetSkuLaunched struct{ Launched bool } }
	mustDecode(t, s.Post(t, gqltest.Request{Query: `mutation($id: ID!) { setSkuLaunched(id: $id, launched: false) { launched } }`,
		Header: key, Variables: map[string]any{"id": skuIDByName(t, s, "Echo Buds Black")}}), &off)
	if got := hotOf(t, s, "Audio"); len(got) == 0 || got[0] != "Studio Max Sand" {
		t.Fatalf("after the best seller went off sale: %v", got)
	}
	res := s.Post(t, gqltest.Request{Query: `{ categories { hotSkus(first: 11) { id } } }`})
	if res.Code() != apperr.CodeBadUserInput {
		t.Fatalf("first 11: %+v", res.Errors)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The address picker walks province → city → district by code.
func TestAreasWalkTheTreeByCode(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	type areas struct {
		Areas []struct {
			Code, Name string
			Level      int
			ParentCode *string
		}
	}
	var provinces, cities, districts areas
	s.Query(t, `{ areas { code name level parentCode } }`, nil, &provinces)
	if len(provinces.Areas) != 31 || provinces.Areas[0].Name != "北京市" || provinces.Areas[0].ParentCode != nil || provinces.Areas[0].Level != 1 {
		t.Fatalf("provinces: %d, first %+v", len(provinces.Areas), provinces.Areas[0])
	}
	s.Query(t, `{ areas(parentCode: "440000") { code name level parentCode } }`, nil, &cities)
	var shenzhen string
	for _, c := range cities.Areas {
		if c.Name == "深圳市" {
			shenzhen = c.Code
		}
	}
	if shenzhen != "440300" {
		t.Fatalf("Guangdong's cities: %+v", cities.Areas)
	}
	s.Query(t, `{ areas(parentCode: "440300") { code name level parentCode } }`, nil, &districts)
	found := false
	for _, d := range districts.Areas {
		found = found || d.Code == "440305" && d.Name == "南山区" && d.Level == 3 && *d.ParentCode == "440300"
	}
	if !found {
		t.Fatalf("Shenzhen's districts: %+v", districts.Areas)
	}
	for _, bad := range []string{"44030", "abcdef", "999999", "4403000"} {
		res := s.Post(t, gqltest.Request{Query: `query($c: String) { areas(parentCode: $c) { code } }`, Variables: map[string]any{"c": bad}})
		if res.Code() != apperr.CodeBadUserInput || field(res) != "parentCode" {
			t.Errorf("parentCode %q: %+v", bad, res.Errors)
		}
	}
}

// hotSkus(categoryId:) serves a page that has the id from the menu: the
// same list as Category.hotSkus, with no SQL once cached, the category
// included; an unknown id is NOT_FOUND, also from the cache, until a
// partner creates a category.
func TestHotSKUsByCategoryIDCostNoSQLOnceCached(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	var cats struct {
		Categories []struct {
			ID, Name string
			HotSkus  []struct{ Name string }
		}
	}
	s.Query(t, `{ categories { id name hotSkus(first: 3) { name } } }`, nil, &cats)
	audio := cats.Categories[0]
	for _, c := range cats.Categories {
		if c.Name == "Audio" {
			audio = c
		}
	}
	const doc = `query($c: ID!) { hotSkus(categoryId: $c, first: 3) { name } }`
	var got struct{ HotSkus []struct{ Name string } }
	s.Query(t, doc, map[string]any{"c": audio.ID}, &got)
	if len(got.HotSkus) != len(audio.HotSkus) || len(got.HotSkus) == 0 || got.HotSkus[0] != audio.HotSkus[0] {
		t.Fatalf("hotSkus(categoryId: Audio) %v, Category.hotSkus %v", got.HotSkus, audio.HotSkus)
	}
	before := s.Statements()
	s.Query(t, doc, map[string]any{"c": audio.ID}, &got)
	if n := s.Statements() - before; n != 0 {
		t.Fatalf("a cached hotSkus(categoryId:) cost %d statements", n)
	}

	// The next ids a partner's createCategory will take are unknown now.
	var maxID int
	if err := s.App.DB.SQL.QueryRowContext(t.Context(), "SELECT MAX(id) FROM categories").Scan(&maxID); err != nil {
		t.Fatal(err)
	}
	next := []string{gid.Encode(maxID + 1), gid.Encode(maxID + 2), gid.Encode(maxID + 3)}
	for _, id := range next {
		if res := s.Post(t, gqltest.Request{Query: doc, Variables: map[string]any{"c": id}}); res.Code() != apperr.CodeNotFound {
			t.Fatalf("an unknown category: %+v", res.Errors)
		}
	}
	before = s.Statements()
	if res := s.Post(t, gqltest.Request{Query: doc, Variables: map[string]any{"c": next[0]}}); res.Code() != apperr.CodeNotFound {
		t.Fatalf("an unknown category again: %+v", res.Errors)
	}
	if n := s.Statements() - before; n != 0 {
		t.Fatalf("an unknown category asked again cost %d statements", n)
	}
	var made struct{ CreateCategory struct{ ID string } }
	mustDecode(t, s.Post(t, gqltest.Request{Query: `mutation { createCategory(name: "图书") { id } }`,
		Header: partnerKey(t, s, apikey.CatalogWrite)}), &made)
	if !slices.Contains(next, made.CreateCategory.ID) {
		t.Fatalf("the new category took %s, not one of the ids asked for (%v)", made.CreateCategory.ID, next)
	}
	got.HotSkus = nil
	s.Query(t, doc, map[string]any{"c": made.CreateCategory.ID}, &got)
	if len(got.HotSkus) != 0 {
		t.Fatalf("a new category's best sellers: %v", got.HotSkus)
	}
}

// A home page asks for a strip per channel; a document asking for more
// than ten lists by id is refused before any is read.
func TestElevenHotListsByIDInOneDocumentAreRefused(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{NoSeed: true})
	var b strings.Builder
	b.WriteString("{")
	for i := range 11 {
		fmt.Fprintf(&b, " h%d: hotSkus(categoryId: %q, first: 2) { id }", i, gid.Encode(i+1))
	}
	res := refused(t, s, gqltest.Request{Query: b.String() + " }"}, "FIELD_LIMIT_EXCEEDED")
	if res.Errors[0].Extensions["field"] != "hotSkus" {
		t.Errorf("extensions = %v", res.Errors[0].Extensions)
	}
}
