package skusearch_test

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storefront/storefront/ent/sku"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/search"
	"github.com/storefront/storefront/internal/seed"
	"github.com/storefront/storefront/internal/skusearch"
)

// TestTheDemoCatalogsRelevanceSet runs seed.Relevance over the demo
// catalog as the shop indexes it and reports precision@5 and recall per
// query. No query may return an unlaunched SKU; recall is held to its
// measured level so a change to the analyzer or the weights that loses
// answers fails here.
func TestTheDemoCatalogsRelevanceSet(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, err := database.Open(ctx, database.Config{SQLitePath: filepath.Join(t.TempDir(), "r.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := database.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Catalog(ctx, db); err != nil {
		t.Fatal(err)
	}
	idx, err := search.OpenBleve("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	svc := skusearch.New(db.Client, idx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := svc.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	rows := db.Client.SKU.Query().Select(sku.FieldID, sku.FieldName, sku.FieldLaunched).AllX(ctx)
	id, name, launched := map[string]int{}, map[int]string{}, map[int]bool{}
	for _, k := range rows {
		id[k.Name], name[k.ID], launched[k.ID] = k.ID, k.Name, k.Launched
	}
	var cases []search.Case
	for _, c := range seed.Relevance {
		sc := search.Case{Query: c.Query}
		for _, n := range c.Want {
			sc.Want = append(sc.Want, id[n])
		}
		for _, n := range c.Not {
			sc.Not = append(sc.Not, id[n])
		}
		cases = append(cases, sc)
	}
	rep, err := search.Evaluate(ctx, idx, cases)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d queries: precision@5 %.3f, recall %.3f\n", len(cases), rep.PrecisionAt5, rep.Recall)
	for _, c := range rep.Cases {
		for _, got := range c.Got {
			if !launched[got] {
				t.Errorf("%q returned the unlaunched %q", c.Query, name[got])
			}
		}
		if len(c.Missing)+len(c.Unwanted) > 0 {
			fmt.Fprintf(&sb, "  %-14s P@5 %.2f R %.2f missing %v unwanted %v\n", c.Query, c.PrecisionAt5, c.Recall, names(name, c.Missing), names(name, c.Unwanted))
		}
	}
	t.Log(sb.String())
	if rep.Recall < minRecall {
		t.Errorf("recall %.3f fell below %.2f", rep.Recall, minRecall)
	}
}

// minRecall is the measured recall, rounded down.
const minRecall = 0.97

func names(byID map[int]string, ids []int) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out
}
