//go:build analyzers

package search_test

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	entsku "github.com/storefront/storefront/ent/sku"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/search"
	"github.com/storefront/storefront/internal/seed"
	"github.com/storefront/storefront/internal/skusearch"
)

// TestDemoRelevanceByAnalyzer measures each analyzer on the demo catalog's
// judged set (seed.Relevance, 54 queries over 284 SKUs), the set the issue
// chose between them on: go test -tags analyzers -run DemoRelevance -v
// ./internal/search.
func TestDemoRelevanceByAnalyzer(t *testing.T) {
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
	id := map[string]int{}
	for _, k := range db.Client.SKU.Query().Select(entsku.FieldID, entsku.FieldName).AllX(ctx) {
		id[k.Name] = k.ID
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
	all := append([]struct{ Name, Analyzer string }{{"cjk bigrams", search.AnalyzerCJK}}, search.Compared...)
	for _, a := range all {
		start := time.Now()
		idx, err := search.OpenBleveWith("", a.Analyzer)
		if err != nil {
			t.Fatal(err)
		}
		svc := skusearch.New(db.Client, idx, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if _, err := svc.Reindex(ctx); err != nil {
			t.Fatal(err)
		}
		built := time.Since(start)
		start = time.Now()
		rep, err := search.Evaluate(ctx, idx, cases)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-12s precision@5 %.3f recall %.3f (open+index %v, 54 queries %v)", a.Name, rep.PrecisionAt5, rep.Recall, built.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
		for _, c := range rep.Cases {
			if len(c.Missing)+len(c.Unwanted) > 0 {
				t.Logf("  %-14s R %.2f missing %d unwanted %d", c.Query, c.Recall, len(c.Missing), len(c.Unwanted))
			}
		}
		_ = idx.Close()
	}
}
