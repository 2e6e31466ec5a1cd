package main

import (
	"context"
	"fmt"

	"github.com/storefront/storefront/internal/database"

	"github.com/storefront/storefront/internal/seed"
)

// The discovery rows: what a shopper reads before buying, over the demo
// catalog. They are sent without a token, as a visitor who has not signed
// in browses; none of them writes, so they leave the invariants alone.
const (
	searchDoc = `query($q: String!) { searchSkus(query: $q, first: 20) {
		edges { highlight node { id name price stock } } totalCount facets { category { id } count } } }`
	menuDoc = `{ menu { id name channels { url category { id name children { id name children { id name } } } } } }`
	// A detail or list page has the category's id (from the menu) and
	// asks for its best sellers by it.
	hotDoc = `query($id: ID!) { hotSkus(categoryId: $id, first: 5) { id name sales } }`
)

var discoveryConcs = []int{1, 8, 32}

func discoveryScenarios() []*scenario {
	apiRetries := func(e *env) database.RetryStats { return e.app.DB.Retry.Stats() }
	return []*scenario{
		{
			key: "search", name: "searchSkus", group: "discovery", concs: discoveryConcs,
			before: checkSearch, iter: searchIter, retries: apiRetries,
		},
		{
			key: "menu", name: "menu", group: "discovery", concs: discoveryConcs,
			before: warmMenu, iter: menuIter, retries: apiRetries,
		},
		{
			key: "hot", name: "hotSkus", group: "discovery", concs: discoveryConcs,
			before: warmHot, iter: hotIter, retries: apiRetries,
		},
	}
}

// Each worker starts its rotation at its own index, so concurrent workers
// send different queries (and categories) at any moment.
func searchIter(ctx context.Context, w *worker) {
	q := seed.Relevance[(w.idx+w.iter)%len(seed.Relevance)].Query
	w.timed(func() string {
		code, _ := w.e.client.do(ctx, "", searchDoc, map[string]any{"q": q}, nil)
		return code
	})
}

func menuIter(ctx context.Context, w *worker) {
	w.timed(func() string {
		code, _ := w.e.client.do(ctx, "", menuDoc, nil, nil)
		return code
	})
}

func hotIter(ctx context.Context, w *worker) {
	id := w.e.leaves[(w.idx+w.iter)%len(w.e.leaves)]
	w.timed(func() string {
		code, _ := w.e.client.do(ctx, "", hotDoc, map[string]any{"id": id}, nil)
		return code
	})
}

// checkSearch sends every relevance query once before the cell and stops
// the cell if one finds nothing: a row of empty answers would measure an
// index that did not see the demo catalog, not search.
func checkSearch(ctx context.Context, e *env, _ []*buyer) error {
	for _, c := range seed.Relevance {
		var out struct {
			SearchSkus struct {
				TotalCount int
				Edges      []struct{ Highlight string }
			}
		}
		if _, err := e.client.do(ctx, "", searchDoc, map[string]any{"q": c.Query}, &out); err != nil {
			return fmt.Errorf("searching %q: %w", c.Query, err)
		}
		if out.SearchSkus.TotalCount == 0 || len(out.SearchSkus.Edges) == 0 {
			return fmt.Errorf("searching %q found nothing: is the demo catalog indexed?", c.Query)
		}
	}
	return nil
}

// warmMenu reads the menu once, so the cell measures the cache's hit path
// (the miss is three statements, once per run).
func warmMenu(ctx context.Context, e *env, _ []*buyer) error {
	var out struct{ Menu []struct{ ID string } }
	if _, err := e.client.do(ctx, "", menuDoc, nil, &out); err != nil {
		return fmt.Errorf("reading the menu: %w", err)
	}
	if len(out.Menu) == 0 {
		return fmt.Errorf("the menu is empty: did seed.Catalog load the channel groups?")
	}
	return nil
}

// warmHot reads every leaf's hot list once, for the same reason.
func warmHot(ctx context.Context, e *env, _ []*buyer) error {
	for _, id := range e.leaves {
		var out struct {
			HotSkus []struct{ ID string }
		}
		if _, err := e.client.do(ctx, "", hotDoc, map[string]any{"id": id}, &out); err != nil {
			return fmt.Errorf("reading category %s's hot SKUs: %w", id, err)
		}
		if len(out.HotSkus) == 0 {
			return fmt.Errorf("category %s has no hot SKUs", id)
		}
	}
	return nil
}
