package graph_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/sku"
	"github.com/storefront/storefront/internal/gid"
	"github.com/storefront/storefront/internal/gqltest"
)

type pageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

type skuNode struct {
	ID       string
	Name     string
	Price    string
	Sales    int
	Launched bool
	Category struct{ Name string }
}

type skuPage struct {
	Skus struct {
		TotalCount int
		PageInfo   pageInfo
		Edges      []struct {
			Cursor string
			Node   skuNode
		}
	}
}

const pageQuery = `query($first: Int, $after: Cursor, $last: Int, $before: Cursor, $cat: ID, $order: SKUOrder) {
  skus(first: $first, after: $after, last: $last, before: $before, categoryId: $cat, orderBy: $order) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name price sales launched category { name } } }
  }
}`

// launchedSKUs is how many SKUs of the demo catalog (internal/seed) are on
// sale: 24 in the English trees, 252 in the Chinese ones.
const launchedSKUs = 276

func names(p skuPage) []string {
	var out []string
	for _, e := range p.Skus.Edges {
		out = append(out, e.Node.Name)
	}
	return out
}

func TestCategoriesAreATreeInDisplayOrder(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	var got struct {
		Categories []struct {
			ID       string
			Name     string
			Parent   *struct{ Name string }
			Children []struct {
				Name   string
				Parent struct{ Name string }
			}
		}
	}
	s.Query(t, `{ categories { id name parent { name } children { name parent { name } } } }`, nil, &got)
	var tree []string
	for _, c := range got.Categories {
		if c.Parent != nil {
			t.Errorf("root %s has a parent", c.Name)
		}
		var kids []string
		for _, k := range c.Children {
			kids = append(kids, k.Name)
			if k.Parent.Name != c.Name {
				t.Errorf("%s's parent is %q, want %q", k.Name, k.Parent.Name, c.Name)
			}
		}
		tree = append(tree, c.Name+"("+strings.Join(kids, ",")+")")
	}
	want := "Phones(Smartphones,Phone accessories) Computers(Laptops) Audio(Headphones,Earbuds) " +
		"手机数码(手机,平板电脑,智能手表,耳机,充电器) 电脑办公(笔记本电脑) 家用电器(电视) " +
		"生鲜食品(水果,海鲜水产,肉类,禽蛋,蔬菜,速冻食品)"
	if strings.Join(tree, " ") != want {
		t.Fatalf("tree = %s\nwant   %s", strings.Join(tree, " "), want)
	}
}

func TestPagingForwardThenBackwardVisitsEveryLaunchedSKUOnce(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	var forward []string
	var after any
	pages := 0
	for {
		var p skuPage
		s.Query(t, pageQuery, map[string]any{"first": 7, "after": after}, &p)
		pages++
		if p.Skus.TotalCount != launchedSKUs {
			t.Fatalf("totalCount = %d, want the %d launched SKUs", p.Skus.TotalCount, launchedSKUs)
		}
		for _, e := range p.Skus.Edges {
			if !e.Node.Launched {
				t.Fatalf("unlaunched SKU %s listed", e.Node.Name)
			}
		}
		forward = append(forward, names(p)...)
		if !p.Skus.PageInfo.HasNextPage {
			break
		}
		after = *p.Skus.PageInfo.EndCursor
	}
	if wantPages := (launchedSKUs + 6) / 7; pages != wantPages || len(forward) != launchedSKUs {
		t.Fatalf("forward: %d pages, %d SKUs; want %d pages, %d SKUs", pages, len(forward), wantPages, launchedSKUs)
	}
	seen := map[string]bool{}
	for _, n := range forward {
		if seen[n] {
			t.Fatalf("%s listed twice", n)
		}
		seen[n] = true
	}

	var backward []string
	var before any
	for {
		var p skuPage
		s.Query(t, pageQuery, map[string]any{"last": 10, "before": before}, &p)
		backward = append(names(p), backward...)
		if !p.Skus.PageInfo.HasPreviousPage {
			break
		}
		before = *p.Skus.PageInfo.StartCursor
	}
	if !slices.Equal(forward, backward) {
		t.Fatalf("backward paging gave another order:\n%v\n%v", forward, backward)
	}
}

func TestOrderingByPriceSalesAndNewest(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	cents := func(p skuNode) int {
		y, f, _ := strings.Cut(p.Price, ".")
		n, _ := strconv.Atoi(y + f)
		return n
	}
	// byPrice pages through every launched SKU, size at a time.
	byPrice := func(dir string, size int) []skuNode {
		var all []skuNode
		var after any
		for {
			var q skuPage
			s.Query(t, pageQuery, map[string]any{"first": size, "after": after, "order": map[string]any{"field": "PRICE", "direction": dir}}, &q)
			for _, e := range q.Skus.Edges {
				all = append(all, e.Node)
			}
			if !q.Skus.PageInfo.HasNextPage {
				break
			}
			after = *q.Skus.PageInfo.EndCursor
		}
		return all
	}
	nodeNames := func(ns []skuNode) []string {
		var out []string
		for _, n := range ns {
			out = append(out, n.Name)
		}
		return out
	}
	for _, dir := range []string{"ASC", "DESC"} {
		// The catalog is more than the largest page (100): pages of 100.
		p := byPrice(dir, 100)
		if len(p) != launchedSKUs {
			t.Fatalf("%d SKUs", len(p))
		}
		for i := 1; i < len(p); i++ {
			a, b := cents(p[i-1]), cents(p[i])
			if (dir == "ASC" && a > b) || (dir == "DESC" && a < b) {
				t.Fatalf("%s: %s before %s", dir, p[i-1].Price, p[i].Price)
			}
		}
		// Paging through a price ordering with ties keeps every SKU once.
		if all := nodeNames(byPrice(dir, 5)); !slices.Equal(all, nodeNames(p)) {
			t.Fatalf("%s paged order differs from pages of 100:\n%v\n%v", dir, all, nodeNames(p))
		}
	}
	var newest skuPage
	s.Query(t, pageQuery, map[string]any{"first": 1, "order": map[string]any{"field": "CREATED_AT", "direction": "DESC"}}, &newest)
	if got := names(newest); len(got) != 1 || !strings.HasPrefix(got[0], "广州酒家 水晶虾饺") {
		t.Fatalf("newest = %v, want the last seeded product", got)
	}
	var bySales skuPage
	s.Query(t, pageQuery, map[string]any{"first": 3, "order": map[string]any{"field": "SALES", "direction": "DESC"}}, &bySales)
	if len(bySales.Skus.Edges) != 3 {
		t.Fatalf("by sales: %v", names(bySales))
	}
}

func TestCategoryFilterIncludesDescendants(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	var cats struct {
		Categories []struct {
			ID       string
			Name     string
			Children []struct{ ID, Name string }
		}
	}
	s.Query(t, `{ categories { id name children { id name } } }`, nil, &cats)
	byName := map[string]string{}
	for _, c := range cats.Categories {
		byName[c.Name] = c.ID
		for _, k := range c.Children {
			byName[k.Name] = k.ID
		}
	}
	cases := []struct {
		category string
		want     int
		inside   []string
	}{
		{"Phones", 5 + 5 + 3, []string{"Smartphones", "Phone accessories"}},
		{"Laptops", 6, []string{"Laptops"}},
		{"Earbuds", 3, []string{"Earbuds"}},
	}
	for _, c := range cases {
		var p skuPage
		s.Query(t, pageQuery, map[string]any{"first": 100, "cat": byName[c.category]}, &p)
		if p.Skus.TotalCount != c.want || len(p.Skus.Edges) != c.want {
			t.Errorf("%s: %d SKUs (total %d), want %d", c.category, len(p.Skus.Edges), p.Skus.TotalCount, c.want)
		}
		for _, e := range p.Skus.Edges {
			if !slices.Contains(c.inside, e.Node.Category.Name) {
				t.Errorf("%s: %s is in %s", c.category, e.Node.Name, e.Node.Category.Name)
			}
		}
	}
}

type specView struct {
	Sku struct {
		Name           string
		Specifications []struct {
			Name    string
			Options []struct {
				Value    string
				Selected bool
				Sku      *struct {
					ID   string
					Name string
				}
			}
		}
	}
}

// leadsTo renders a SKU's specification map as "Colour: Midnight*=>Aurora
// X1 Midnight / 128 GB, ..." so a test can compare it whole.
func leadsTo(v specView) map[string]string {
	out := map[string]string{}
	for _, sp := range v.Sku.Specifications {
		for _, o := range sp.Options {
			target := "-"
			if o.Sku != nil {
				target = o.Sku.Name
			}
			key := sp.Name + ":" + o.Value
			if o.Selected {
				key += "*"
			}
			out[key] = target
		}
	}
	return out
}

func skuIDByName(t *testing.T, s *gqltest.Server, name string) string {
	t.Helper()
	var p skuPage
	s.Query(t, pageQuery, map[string]any{"first": 100}, &p)
	for _, e := range p.Skus.Edges {
		if e.Node.Name == name {
			return e.Node.ID
		}
	}
	t.Fatalf("no launched SKU named %q", name)
	return ""
}

func TestSpecificationsLeadToSiblingSKUs(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	q := `query($id: ID!) { sku(id: $id) { name specifications { name options { value selected sku { id name } } } } }`
	cases := []struct {
		sku  string
		want map[string]string
	}{
		{"Aurora X1 Midnight / 128 GB", map[string]string{
			"Colour:Midnight*": "Aurora X1 Midnight / 128 GB",
			"Colour:Silver":    "Aurora X1 Silver / 128 GB",
			"Colour:Blue":      "Aurora X1 Blue / 128 GB",
			"Storage:128 GB*":  "Aurora X1 Midnight / 128 GB",
			"Storage:256 GB":   "Aurora X1 Midnight / 256 GB",
		}},
		// Blue / 256 GB exists but is not on sale: no link to it.
		{"Aurora X1 Blue / 128 GB", map[string]string{
			"Colour:Midnight": "Aurora X1 Midnight / 128 GB",
			"Colour:Silver":   "Aurora X1 Silver / 128 GB",
			"Colour:Blue*":    "Aurora X1 Blue / 128 GB",
			"Storage:128 GB*": "Aurora X1 Blue / 128 GB",
			"Storage:256 GB":  "-",
		}},
		// White / 512 GB was never made.
		{"Lumen S White / 256 GB", map[string]string{
			"Colour:Black":    "Lumen S Black / 256 GB",
			"Colour:White*":   "Lumen S White / 256 GB",
			"Storage:128 GB":  "Lumen S White / 128 GB",
			"Storage:256 GB*": "Lumen S White / 256 GB",
			"Storage:512 GB":  "-",
		}},
	}
	for _, c := range cases {
		var v specView
		s.Query(t, q, map[string]any{"id": skuIDByName(t, s, c.sku)}, &v)
		got := leadsTo(v)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s:\n got  %v\n want %v", c.sku, got, c.want)
		}
	}
}

func TestNodeLookups(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	id := skuIDByName(t, s, "Nimbus 16 64 GB")
	if _, err := strconv.Atoi(id); err == nil {
		t.Fatalf("id %q is a plain number; ids must be opaque", id)
	}
	var got struct {
		Node struct {
			Typename string `json:"__typename"`
			ID       string
			Name     string
		}
		Nodes []*struct{ ID string }
	}
	s.Query(t, `query($id: ID!) { node(id: $id) { __typename id ... on SKU { name } } nodes(ids: [$id, $id]) { id } }`,
		map[string]any{"id": id}, &got)
	if got.Node.Typename != "SKU" || got.Node.ID != id || got.Node.Name != "Nimbus 16 64 GB" || len(got.Nodes) != 2 {
		t.Fatalf("node = %+v", got)
	}

	var cat struct{ Categories []struct{ ID string } }
	s.Query(t, `{ categories { id } }`, nil, &cat)
	var catNode struct {
		Node struct {
			Typename string `json:"__typename"`
		}
	}
	s.Query(t, `query($id: ID!) { node(id: $id) { __typename } }`, map[string]any{"id": cat.Categories[0].ID}, &catNode)
	if catNode.Node.Typename != "Category" {
		t.Fatalf("category node is a %s", catNode.Node.Typename)
	}

	// The unlaunched SKU is hidden exactly like an id that never existed.
	unlaunched := unlaunchedSKUID(t, s)
	raw, _ := gid.Decode(id)
	for name, c := range map[string]struct {
		id, code string
	}{
		"unlaunched SKU":   {unlaunched, "NOT_FOUND"},
		"unknown SKU":      {gid.Encode(raw + 100000), "NOT_FOUND"},
		"outside any type": {gid.Encode(1 << 50), "NOT_FOUND"},
		"malformed":        {"not-an-id", "BAD_USER_INPUT"},
		"plain number":     {strconv.Itoa(raw), "BAD_USER_INPUT"},
	} {
		for _, q := range []string{
			`query($id: ID!) { node(id: $id) { id } }`,
			`query($id: ID!) { sku(id: $id) { id } }`,
		} {
			res := s.Post(t, gqltest.Request{Query: q, Variables: map[string]any{"id": c.id}})
			if res.Code() != c.code {
				t.Errorf("%s: %s: code %q (%+v), want %s", name, q, res.Code(), res.Errors, c.code)
			}
		}
	}
}

func unlaunchedSKUID(t *testing.T, s *gqltest.Server) string {
	t.Helper()
	id, err := s.App.DB.Client.SKU.Query().Where(sku.Launched(false)).FirstID(t.Context())
	if err != nil {
		t.Fatalf("the demo catalog has no unlaunched SKU: %v", err)
	}
	return gid.Encode(id)
}

// catalogPageQuery is the catalog page: SKUs with their category, product
// and the specification map (cmd/bench's catalog row sends the same).
const catalogPageQuery = `query($n: Int, $cat: ID) { skus(first: $n, categoryId: $cat) { totalCount edges { node {
	id name price category { name } goods { name }
	specifications { name options { value selected sku { id name price } } }
} } } }`

type catalogPage struct {
	Skus struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				ID, Name, Price string
				Category        struct{ Name string }
				Goods           struct{ Name string }
				Specifications  json.RawMessage
			}
		}
	}
}

// The page reads joined columns by name, whose types are the driver's own:
// the embedded default (SQLite) must answer the same as MariaDB.
func TestAPageOfSKUsWithSpecsCostsAFixedNumberOfQueries(t *testing.T) {
	t.Parallel()
	for name, embedded := range map[string]bool{"MariaDB": false, "embedded": true} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testCatalogPage(t, gqltest.Start(t, gqltest.Options{Embedded: embedded}))
		})
	}
}

func testCatalogPage(t *testing.T, s *gqltest.Server) {
	cost := func(n int, cat any) (catalogPage, int64) {
		before := s.Statements()
		var p catalogPage
		s.Query(t, catalogPageQuery, map[string]any{"n": n, "cat": cat}, &p)
		if len(p.Skus.Edges) != n {
			t.Fatalf("asked %d, got %d", n, len(p.Skus.Edges))
		}
		return p, s.Statements() - before
	}
	_, one := cost(1, nil)
	_, five := cost(5, nil)
	page, all := cost(24, nil)
	t.Logf("SQL statements per page: 1 SKU: %d, 5 SKUs: %d, 24 SKUs: %d", one, five, all)
	if one != all || five != all {
		t.Fatalf("statements grow with the page: 1 -> %d, 5 -> %d, 24 -> %d", one, five, all)
	}
	if all > 4 {
		t.Fatalf("%d statements for one page; expected at most 4", all)
	}

	// The same answers as ent's own queries give, in the default order.
	want, err := s.App.DB.Client.SKU.Query().Where(sku.Launched(true)).Order(ent.Asc(sku.FieldID)).
		Limit(24).WithCategory().WithGoods().All(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if page.Skus.TotalCount != launchedSKUs {
		t.Errorf("totalCount = %d, want %d", page.Skus.TotalCount, launchedSKUs)
	}
	for i, k := range want {
		got := page.Skus.Edges[i].Node
		w := fmt.Sprint(gid.Encode(k.ID), k.Name, k.Price.String(), k.Edges.Category.Name, k.Edges.Goods.Name)
		if g := fmt.Sprint(got.ID, got.Name, got.Price, got.Category.Name, got.Goods.Name); g != w {
			t.Errorf("node %d = %s, want %s", i, g, w)
		}
	}

	// The products carry what is asked of them, under any alias, though
	// read with their specifications.
	var described struct {
		Skus struct {
			Edges []struct {
				Node struct {
					A struct{ Name string }
					B struct{ Description string }
				}
			}
		}
	}
	s.Query(t, `{ skus(first: 24) { edges { node { a: goods { name } b: goods { description } specifications { name } } } } }`, nil, &described)
	for i, k := range want {
		got := described.Skus.Edges[i].Node
		if got.A.Name != k.Edges.Goods.Name || got.B.Description != k.Edges.Goods.Description {
			t.Errorf("node %d: goods %q %q, want %q %q", i, got.A.Name, got.B.Description, k.Edges.Goods.Name, k.Edges.Goods.Description)
		}
	}

	// Goods with edges of their own go through ent's eager loading: the
	// same products.
	var nested struct {
		Skus struct {
			Edges []struct {
				Node struct {
					Goods struct {
						Name     string
						Category struct{ Name string }
					}
				}
			}
		}
	}
	s.Query(t, `{ skus(first: 24) { edges { node { goods { name category { name } } } } } }`, nil, &nested)
	for i, e := range nested.Skus.Edges {
		if e.Node.Goods.Name != page.Skus.Edges[i].Node.Goods.Name || e.Node.Goods.Category.Name == "" {
			t.Errorf("node %d: goods %+v, want %s", i, e.Node.Goods, page.Skus.Edges[i].Node.Goods.Name)
		}
	}

	// Within a category (the subtree's read gives the SKUs' categories) the
	// specification map is the one a detail page shows.
	var cats struct {
		Categories []struct {
			Name     string
			Children []struct{ ID, Name string }
		}
	}
	s.Query(t, `{ categories { name children { id name } } }`, nil, &cats)
	phones := cats.Categories[0]
	if phones.Name != "Phones" || phones.Children[0].Name != "Smartphones" {
		t.Fatalf("demo tree starts %+v", phones)
	}
	var p catalogPage
	before := s.Statements()
	s.Query(t, catalogPageQuery, map[string]any{"n": 24, "cat": phones.Children[0].ID}, &p)
	if n := s.Statements() - before; n > 4 {
		t.Errorf("%d statements for a category's page; expected at most 4", n)
	}
	smartphones, _ := gid.Decode(phones.Children[0].ID)
	inCat, err := s.App.DB.Client.SKU.Query().Where(sku.Launched(true), sku.CategoryID(smartphones)).Count(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if p.Skus.TotalCount != inCat || len(p.Skus.Edges) != inCat {
		t.Fatalf("Smartphones: %d SKUs (total %d), want %d", len(p.Skus.Edges), p.Skus.TotalCount, inCat)
	}
	// Past the last page the total still counts the category.
	var end struct {
		Skus struct {
			TotalCount int
			PageInfo   pageInfo
			Edges      []struct{ Node struct{ ID string } }
		}
	}
	endQuery := `query($cat: ID, $after: Cursor) { skus(first: 24, after: $after, categoryId: $cat) {
		totalCount pageInfo { endCursor } edges { node { id goods { name } } } } }`
	s.Query(t, endQuery, map[string]any{"cat": phones.Children[0].ID}, &end)
	s.Query(t, endQuery, map[string]any{"cat": phones.Children[0].ID, "after": *end.Skus.PageInfo.EndCursor}, &end)
	if len(end.Skus.Edges) != 0 || end.Skus.TotalCount != inCat {
		t.Errorf("past the end: %d SKUs, total %d; want none of %d", len(end.Skus.Edges), end.Skus.TotalCount, inCat)
	}
	var blue *specView
	for _, e := range p.Skus.Edges {
		if e.Node.Name == "Aurora X1 Blue / 128 GB" {
			var v specView
			if err := json.Unmarshal(e.Node.Specifications, &v.Sku.Specifications); err != nil {
				t.Fatal(err)
			}
			blue = &v
		}
	}
	if blue == nil {
		t.Fatalf("Aurora X1 Blue / 128 GB not on the Smartphones page")
	}
	wantMap := map[string]string{
		"Colour:Midnight": "Aurora X1 Midnight / 128 GB",
		"Colour:Silver":   "Aurora X1 Silver / 128 GB",
		"Colour:Blue*":    "Aurora X1 Blue / 128 GB",
		"Storage:128 GB*": "Aurora X1 Blue / 128 GB",
		"Storage:256 GB":  "-",
	}
	if got := leadsTo(*blue); fmt.Sprint(got) != fmt.Sprint(wantMap) {
		t.Errorf("spec map:\n got  %v\n want %v", got, wantMap)
	}
}

func TestBadRequestsGetStableCodes(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	deep := "{ categories { " + strings.Repeat("children { ", 14) + "name" + strings.Repeat(" }", 14) + " } }"
	wide := "{ " + strings.Repeat("a: skus(first: 100) { edges { node { specifications { options { sku { name } } } } } } ", 3) + "}"
	cases := []struct {
		name, query string
		vars        map[string]any
		code        string
	}{
		{"syntax error", `{ skus(first: 5) { edges `, nil, "GRAPHQL_PARSE_FAILED"},
		{"unknown field", `{ skus { edges { node { password } } } }`, nil, "GRAPHQL_VALIDATION_FAILED"},
		{"wrong variable type", `query($n: Int) { skus(first: $n) { totalCount } }`, map[string]any{"n": "ten"}, "BAD_USER_INPUT"},
		{"wrong literal type", `{ skus(first: "ten") { totalCount } }`, nil, "GRAPHQL_VALIDATION_FAILED"},
		{"unknown enum value", `query($o: SKUOrder) { skus(orderBy: $o) { totalCount } }`, map[string]any{"o": map[string]any{"field": "COLOUR"}}, "BAD_USER_INPUT"},
		{"page too large", `{ skus(first: 101) { totalCount } }`, nil, "BAD_USER_INPUT"},
		{"negative page", `{ skus(last: -1) { totalCount } }`, nil, "BAD_USER_INPUT"},
		{"first and last", `{ skus(first: 1, last: 1) { totalCount } }`, nil, "BAD_USER_INPUT"},
		{"malformed cursor", `{ skus(after: "bm9wZQ") { totalCount } }`, nil, "BAD_USER_INPUT"},
		{"garbage cursor", `{ skus(after: "%%%") { totalCount } }`, nil, "BAD_USER_INPUT"},
		{"unknown category", `query($c: ID) { skus(categoryId: $c) { totalCount } }`, map[string]any{"c": gid.Encode(4294967296 + 99999)}, "NOT_FOUND"},
		{"too many node ids", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": slices.Repeat([]string{gid.Encode(1)}, 101)}, "BAD_USER_INPUT"},
		{"depth bomb", deep, nil, "DEPTH_LIMIT_EXCEEDED"},
		{"complexity bomb", wide, nil, "COMPLEXITY_LIMIT_EXCEEDED"},
	}
	for _, c := range cases {
		res := s.Post(t, gqltest.Request{Query: c.query, Variables: c.vars})
		if res.Code() != c.code {
			t.Errorf("%s: code %q (%+v), want %s", c.name, res.Code(), res.Errors, c.code)
		}
		if (c.code == "GRAPHQL_PARSE_FAILED" || c.code == "GRAPHQL_VALIDATION_FAILED" || strings.HasSuffix(c.code, "LIMIT_EXCEEDED")) && string(res.Data) != "" && string(res.Data) != "null" {
			t.Errorf("%s: refused request still returned data %s", c.name, res.Data)
		}
	}

	huge := `{"query":"{ categories { name } }","variables":{"pad":"` + strings.Repeat("x", 70000) + `"}}`
	res := s.PostRaw(t, []byte(huge), nil)
	if res.Status != http.StatusRequestEntityTooLarge || res.Code() != "REQUEST_TOO_LARGE" {
		t.Errorf("oversized body: %d %+v", res.Status, res.Errors)
	}
	for _, body := range []string{`{"query": 42}`, `not json`, `{"query": "{ categories { name } }", "variables": []}`} {
		res = s.PostRaw(t, []byte(body), nil)
		if res.Code() != "BAD_REQUEST" || strings.Contains(res.Errors[0].Message, "body") {
			t.Errorf("%s: %d %+v", body, res.Status, res.Errors)
		}
	}
}
