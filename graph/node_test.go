package graph_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/storefront/storefront/internal/gid"
	"github.com/storefront/storefront/internal/gqltest"
)

// catalogIDs returns the ids of every launched SKU, of their products and of
// the categories.
func catalogIDs(t *testing.T, s *gqltest.Server) (skus, goods, categories []string) {
	t.Helper()
	var p struct {
		Skus struct {
			Edges []struct {
				Node struct {
					ID    string
					Goods struct{ ID string }
				}
			}
		}
		Categories []struct{ ID string }
	}
	// A page of 30 SKUs: few enough that a hundred ids cycling through
	// the groups mix all four types.
	s.Query(t, `{ skus(first: 30) { edges { node { id goods { id } } } } categories { id } }`, nil, &p)
	seen := map[string]bool{}
	for _, e := range p.Skus.Edges {
		skus = append(skus, e.Node.ID)
		if !seen[e.Node.Goods.ID] {
			seen[e.Node.Goods.ID] = true
			goods = append(goods, e.Node.Goods.ID)
		}
	}
	for _, c := range p.Categories {
		categories = append(categories, c.ID)
	}
	return skus, goods, categories
}

const nodesDoc = `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`

// lookUp asks for ids as sh and returns the answer and how many SQL
// statements it took.
func lookUp(t *testing.T, s *gqltest.Server, sh gqltest.Shopper, ids []string) ([]*struct{ ID string }, gqltest.Response, int64) {
	t.Helper()
	before := s.Statements()
	res := s.Post(t, gqltest.Request{Query: nodesDoc, Header: sh.Header(), Variables: map[string]any{"ids": ids}})
	n := s.Statements() - before
	var out struct{ Nodes []*struct{ ID string } }
	if err := json.Unmarshal(res.Data, &out); err != nil {
		t.Fatalf("decoding %s: %v", res.Data, err)
	}
	return out.Nodes, res, n
}

func TestAHundredNodesCostAsManyStatementsAsOneOfEachType(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	sh, other := s.NewShopper(t), s.NewShopper(t)
	mine := []string{createAddr(t, s, sh, "me").ID, createAddr(t, s, sh, "me too").ID}
	theirs := createAddr(t, s, other, "them").ID
	skus, goods, categories := catalogIDs(t, s)
	hidden := []string{unlaunchedSKUID(t, s), theirs, gid.Encode(1 << 50)}

	var visible []string
	for _, group := range [][]string{skus, goods, categories, mine} {
		visible = append(visible, group...)
	}
	var hundred []string
	for len(hundred) < 100-len(hidden) {
		hundred = append(hundred, visible[len(hundred)%len(visible)])
	}
	hundred = append(hundred, hidden...)
	oneOfEach := append([]string{skus[0], goods[0], categories[0], mine[0]}, hidden...)

	got, res, many := lookUp(t, s, sh, hundred)
	if len(got) != 100 || len(res.Errors) != 1 || res.Code() != "NOT_FOUND" {
		t.Fatalf("%d nodes, errors %+v; want 100 and one NOT_FOUND", len(got), res.Errors)
	}
	for i, id := range hundred {
		want := i < 100-len(hidden)
		if (got[i] != nil) != want || (want && got[i].ID != id) {
			t.Fatalf("node %d = %+v, want %v for %s", i, got[i], want, id)
		}
	}
	_, _, few := lookUp(t, s, sh, oneOfEach)
	t.Logf("SQL statements: %d ids of 4 types and 3 hidden: %d; 100 ids: %d", len(oneOfEach), few, many)
	if many != few {
		t.Fatalf("100 ids took %d statements, one of each type %d: lookups are per id", many, few)
	}
}

func TestAnAliasBombOfNodesIsRefused(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	skus, _, _ := catalogIDs(t, s)
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = skus[i%len(skus)]
	}
	var b strings.Builder
	b.WriteString("query($ids: [ID!]!) {")
	for i := range 190 {
		fmt.Fprintf(&b, " n%d: nodes(ids: $ids) { id }", i)
	}
	b.WriteString(" }")
	refused(t, s, gqltest.Request{Query: b.String(), Variables: map[string]any{"ids": ids}}, "COMPLEXITY_LIMIT_EXCEEDED")
}

func TestSomeoneElsesOrderLooksLikeAnUnusedID(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	alice := newBuyer(t, s, map[string]int{skuIDByName(t, s, "Nimbus 16 64 GB"): 1})
	var order placed
	mustDecode(t, alice.place(t, s, "CASH", ""), &order)
	orderID, _ := gid.Decode(order.PlaceOrder.ID)
	addressID, _ := gid.Decode(alice.addressID)
	mallory := s.NewShopper(t)

	// Alice sees her own order and its lines by id.
	lines := lineIDs(t, s, alice.Shopper, order.PlaceOrder.ID)
	var mine struct {
		Node  struct{ OrderNo string }
		Nodes []*struct{ SkuName string }
	}
	s.As(t, alice.Shopper, `query($id: ID!, $lines: [ID!]!) { node(id: $id) { ... on OrderInfo { orderNo } }
		nodes(ids: $lines) { ... on OrderGoods { skuName } } }`,
		map[string]any{"id": order.PlaceOrder.ID, "lines": lines}, &mine)
	if mine.Node.OrderNo != order.PlaceOrder.OrderNo || len(mine.Nodes) != 1 || mine.Nodes[0] == nil || mine.Nodes[0].SkuName == "" {
		t.Fatalf("the buyer's own order by id: %+v", mine)
	}

	for what, pair := range map[string][2]int{
		"order":   {orderID, orderID + 1000},
		"address": {addressID, addressID + 1000},
	} {
		var statements [2]int64
		for i, id := range pair {
			before := s.Statements()
			res := s.Post(t, gqltest.Request{Query: `query($id: ID!) { node(id: $id) { id } }`,
				Header: mallory.Header(), Variables: map[string]any{"id": gid.Encode(id)}})
			statements[i] = s.Statements() - before
			if res.Code() != "NOT_FOUND" {
				t.Fatalf("%s %d: %+v, want NOT_FOUND", what, i, res.Errors)
			}
		}
		if statements[0] != statements[1] {
			t.Errorf("someone else's %s took %d SQL statements, an unused id %d: the difference tells them apart",
				what, statements[0], statements[1])
		}
	}
}
