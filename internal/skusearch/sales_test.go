package skusearch_test

import (
	"io"
	"log/slog"
	"testing"

	"github.com/storefront/storefront/ent/sku"
	"github.com/storefront/storefront/internal/search"
	"github.com/storefront/storefront/internal/seed"
	"github.com/storefront/storefront/internal/skusearch"
	"github.com/storefront/storefront/internal/testenv"
)

// Orders move sales with a bare UPDATE, not through the partner service:
// SyncSales finds the SKUs whose sales moved and re-indexes those only,
// so the SALES order and the relevance rerank follow what sells.
func TestSyncSalesFollowsOrders(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	env := testenv.MySQL(t)
	if _, err := seed.Catalog(ctx, env.DB); err != nil {
		t.Fatal(err)
	}
	idx, err := search.OpenBleve("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	s := skusearch.New(env.Client, idx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := s.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := s.SyncSales(ctx); err != nil || n != 0 {
		t.Fatalf("nothing sold: SyncSales re-indexed %d (%v)", n, err)
	}
	bestSeller := func() int {
		res, err := idx.Search(ctx, search.Query{Text: "手机", OrderBy: search.Sales, Limit: 1})
		if err != nil || len(res.Hits) == 0 {
			t.Fatalf("search: %v %v", res, err)
		}
		return res.Hits[0].SKUID
	}
	before := bestSeller()
	// The least-selling launched phone sells a million units.
	k := env.Client.SKU.Query().Where(sku.Launched(true), sku.NameContains("手机")).Order(sku.BySales()).FirstX(ctx)
	if k.ID == before {
		t.Fatal("the fixture's best and worst phone are one SKU")
	}
	if _, err := env.SQL.ExecContext(ctx, "UPDATE skus SET sales = sales + 1000000 WHERE id = ?", k.ID); err != nil {
		t.Fatal(err)
	}
	n, err := s.SyncSales(ctx)
	if err != nil || n != 1 {
		t.Fatalf("one SKU sold: SyncSales re-indexed %d (%v)", n, err)
	}
	if got := bestSeller(); got != k.ID {
		t.Fatalf("best-selling phone is %d, want %d after its sales", got, k.ID)
	}
	if n, err := s.SyncSales(ctx); err != nil || n != 0 {
		t.Fatalf("nothing sold since: SyncSales re-indexed %d (%v)", n, err)
	}
}
