package search_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/storefront/storefront/internal/search"
)

func formatReport(r search.Report) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "precision@5 %.3f  recall %.3f\n", r.PrecisionAt5, r.Recall)
	for _, c := range r.Cases {
		fmt.Fprintf(&sb, "  %-16q P@5 %.2f R %.2f got %v missing %v unwanted %v\n",
			c.Query, c.PrecisionAt5, c.Recall, c.Got, c.Missing, c.Unwanted)
	}
	return sb.String()
}

// TestRelevance measures the analyzer OpenBleve uses (CJK bigrams) on the
// fixture and holds it to a recall of 0.9; with -tags analyzers it
// measures gse's dictionary segmenter beside it.
func TestRelevance(t *testing.T) {
	ctx := context.Background()
	type analyzer struct {
		name, analyzer string
		chosen         bool
	}
	all := []analyzer{{"cjk bigrams", search.AnalyzerCJK, true}}
	for _, c := range search.Compared {
		all = append(all, analyzer{c.Name, c.Analyzer, false})
	}
	for _, a := range all {
		t.Run(a.name, func(t *testing.T) {
			start := time.Now()
			idx, err := search.OpenBleveWith("", a.analyzer)
			if err != nil {
				t.Fatal(err)
			}
			defer idx.Close()
			if err := idx.Upsert(ctx, fixture()...); err != nil {
				t.Fatal(err)
			}
			built := time.Since(start)
			rep, err := search.Evaluate(ctx, idx, relevanceCases)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s (open+index %d docs: %v)\n%s", a.name, len(skus), built, formatReport(rep))
			if a.chosen && rep.Recall < 0.9 {
				t.Errorf("recall %.3f < 0.9", rep.Recall)
			}
		})
	}
}
