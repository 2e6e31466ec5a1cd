package search

import (
	"context"
	"fmt"
	"slices"
)

// Case is one relevance judgement: each Want SKU must be in the first 5
// hits of Query, and no Not SKU may be.
type Case struct {
	Query string
	Want  []int
	Not   []int // must not appear in the top 5
}

// Report is how an index did on a set of cases; PrecisionAt5 and Recall
// are the averages of the cases'.
type Report struct {
	PrecisionAt5, Recall float64
	Cases                []CaseReport
}

// CaseReport is how an index did on one case. PrecisionAt5 is the wanted
// hits in the top 5 over min(5, hits); Recall the wanted found in the
// top 5 over the wanted.
type CaseReport struct {
	Query                string
	Got                  []int
	Missing              []int
	Unwanted             []int
	PrecisionAt5, Recall float64
}

// Evaluate runs each case's query (relevance order, first 5 hits) and
// scores the hits against the judgements. A case with no Want has recall
// 1, and precision 1 if it found nothing.
func Evaluate(ctx context.Context, idx Index, cases []Case) (Report, error) {
	rep := Report{Cases: make([]CaseReport, 0, len(cases))}
	for _, c := range cases {
		res, err := idx.Search(ctx, Query{Text: c.Query, OrderBy: Relevance, Limit: 5})
		if err != nil {
			return Report{}, fmt.Errorf("search: evaluate %q: %w", c.Query, err)
		}
		cr := CaseReport{Query: c.Query, Got: []int{}, Missing: []int{}, Unwanted: []int{}}
		for _, h := range res.Hits {
			cr.Got = append(cr.Got, h.SKUID)
		}
		relevant := 0
		for _, id := range cr.Got {
			if slices.Contains(c.Want, id) {
				relevant++
			}
			if slices.Contains(c.Not, id) {
				cr.Unwanted = append(cr.Unwanted, id)
			}
		}
		for _, id := range c.Want {
			if !slices.Contains(cr.Got, id) {
				cr.Missing = append(cr.Missing, id)
			}
		}
		switch {
		case len(cr.Got) > 0:
			cr.PrecisionAt5 = float64(relevant) / float64(min(5, len(cr.Got)))
		case len(c.Want) == 0:
			cr.PrecisionAt5 = 1
		}
		cr.Recall = 1
		if len(c.Want) > 0 {
			cr.Recall = float64(len(c.Want)-len(cr.Missing)) / float64(len(c.Want))
		}
		rep.PrecisionAt5 += cr.PrecisionAt5
		rep.Recall += cr.Recall
		rep.Cases = append(rep.Cases, cr)
	}
	if n := len(cases); n > 0 {
		rep.PrecisionAt5 /= float64(n)
		rep.Recall /= float64(n)
	}
	return rep, nil
}
