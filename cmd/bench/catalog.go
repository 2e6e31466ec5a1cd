package main

import (
	"context"
	"fmt"

	"github.com/storefront/storefront/internal/database"
)

// catalogDoc is a category's catalog page, as graph's
// TestAPageOfSKUsWithSpecsCostsAFixedNumberOfQueries sends it: 24 SKUs with
// their category, product and the specification map that leads to their
// siblings, and the total for the pager.
const catalogDoc = `query($n: Int, $cat: ID) { skus(first: $n, categoryId: $cat) { totalCount edges { node {
	id name price category { name } goods { name }
	specifications { name options { value selected sku { id name price } } }
} } } }`

const catalogPageSize = 24

// catalogScenario is the catalog row: a visitor (no token) opening one of
// the demo catalog's leaf categories after another; it only reads.
func catalogScenario() *scenario {
	return &scenario{
		key: "catalog", name: "catalog page", group: "catalog", concs: []int{1, 32, 128},
		before: checkCatalog, iter: catalogIter,
		retries: func(e *env) database.RetryStats { return e.app.DB.Retry.Stats() },
	}
}

// Each worker starts at its own leaf, so concurrent workers read different
// categories at any moment.
func catalogIter(ctx context.Context, w *worker) {
	id := w.e.leaves[(w.idx+w.iter)%len(w.e.leaves)]
	w.timed(func() string {
		code, _ := w.e.client.do(ctx, "", catalogDoc, map[string]any{"n": catalogPageSize, "cat": id}, nil)
		return code
	})
}

// checkCatalog opens every leaf once before the cell and stops it if none
// lists a SKU with specifications: a row of empty pages would measure
// nothing of the page's joins.
func checkCatalog(ctx context.Context, e *env, _ []*buyer) error {
	specs := 0
	for _, id := range e.leaves {
		var out struct {
			Skus struct {
				Edges []struct {
					Node struct{ Specifications []struct{ Name string } }
				}
			}
		}
		if _, err := e.client.do(ctx, "", catalogDoc, map[string]any{"n": catalogPageSize, "cat": id}, &out); err != nil {
			return fmt.Errorf("reading category %s's page: %w", id, err)
		}
		for _, edge := range out.Skus.Edges {
			specs += len(edge.Node.Specifications)
		}
	}
	if specs == 0 {
		return fmt.Errorf("no leaf category lists a SKU with specifications: did seed.Catalog load?")
	}
	return nil
}
