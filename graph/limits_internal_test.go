package graph

import (
	"context"
	"strconv"
	"testing"

	gqlcomplexity "github.com/99designs/gqlgen/complexity"
	"github.com/vektah/gqlparser/v2"

	"github.com/storefront/storefront/graph/generated"
)

// The meter replaces gqlgen's complexity calculation: on documents that
// calculation can walk, both must agree, per-field functions included.
func TestTheMeterCostsWhatGqlgenDoes(t *testing.T) {
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}, Complexity: complexity()})
	vars := map[string]any{"n": 7, "ids": []any{"c2Y6MQ", "c2Y6Mg", "c2Y6Mw"}}
	for _, doc := range []string{
		`{ categories { id name children { id children { name } } } }`,
		`query($n: Int) { skus(first: $n) { totalCount edges { node { id specifications { name options { value sku { id } } } } } } }`,
		`{ skus(last: 30) { edges { node { comments(first: 3) { edges { node { text } } } } } } }`,
		`query($ids: [ID!]!) { nodes(ids: $ids) { id ... on SKU { name goods { specifications { options { value } } } } } node(id: "c2Y6MQ") { id } }`,
		`{ ...A ...A a2: categories { ...C } } fragment A on Query { categories { ...C } } fragment C on Category { id children { ...D } } fragment D on Category { name }`,
		`{ skus { edges { node { ... on SKU { id } ... on Node { id } } } } }`,
		`{ __schema { types { name fields { name } } } __type(name: "SKU") { fields { name type { name } } } }`,
		`query($n: Int) { myOrders(first: $n) { edges { node { id lines { skuName } } } } }`,
	} {
		q, errs := gqlparser.LoadQueryWithRules(es.Schema(), doc, nil)
		if errs != nil {
			t.Fatalf("%s: %v", doc, errs)
		}
		op := q.Operations[0]
		args := vars
		want := gqlcomplexity.Calculate(context.Background(), es, op, args)
		got := newMeter(context.Background(), es, args, DefaultLimits.MaxComplexity*1000).selectionSet(op.SelectionSet).cost
		if got != want {
			t.Errorf("%s: meter %d, gqlgen %d", doc, got, want)
		}
	}
}

// A document whose every field is cheap but whose fragments double it 60
// times costs far past any limit; the meter must say so rather than
// wrapping its sums around to a small number.
func TestTheMeterSaturatesInsteadOfOverflowing(t *testing.T) {
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}, Complexity: complexity()})
	doc := "{ ...F60 } fragment F0 on Query { skus(first: 100) { edges { node { id } } } }"
	for i := 1; i <= 60; i++ {
		doc += " fragment F" + strconv.Itoa(i) + " on Query { ...F" + strconv.Itoa(i-1) + " ...F" + strconv.Itoa(i-1) + " }"
	}
	q, errs := gqlparser.LoadQueryWithRules(es.Schema(), doc, nil)
	if errs != nil {
		t.Fatal(errs)
	}
	m := newMeter(context.Background(), es, nil, DefaultLimits.MaxComplexity)
	if got := m.selectionSet(q.Operations[0].SelectionSet); got.cost <= DefaultLimits.MaxComplexity || got.depth != 4 {
		t.Fatalf("cost %d depth %d: want over %d and 4", got.cost, got.depth, DefaultLimits.MaxComplexity)
	}
}
