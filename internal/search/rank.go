package search

import (
	"math"

	"github.com/blevesearch/bleve/v2/search"
)

// A text search in relevance order ranks the best rerankWindow matches
// by score and sales together: many SKUs of one goods (the colours and
// capacities of a phone) match a query equally well, and their scores
// then differ by a few percent only through the length of their names
// ("午夜色" against "银色"). A shop puts the best seller of those first.
// Each hit's score, as a fraction of the best, is multiplied by
// 1 + salesWeight × log(1+sales)/log(1+most sales in the window): a
// multiplier, so a hit matching half the words stays below one matching
// all of them however well it sells. Past the window the order is the
// score's; the window is the same for every page, so paging neither
// repeats nor skips.
//
// The first page should also show the range: for "手机", the best phone
// of each make rather than five colours of one. So each further SKU of a
// goods already ranked has its key multiplied by repeatPenalty once more,
// and each further SKU of a category already ranked by catPenalty (so
// "苹果" shows the fruit and the phones), each up to maxPenalties times: a query that names one goods ("MacBook Air
// 16GB") still lists all its SKUs before things that share a word only.
const (
	rerankWindow  = 100
	salesWeight   = 0.5
	repeatPenalty = 0.7
	catPenalty    = 0.85
	maxPenalties  = 2
)

// rerankBySales orders hits (sorted by score, then sales, then id) by
// score and sales together; see rerankWindow. Ties keep the incoming
// order, which is total.
func rerankBySales(hits search.DocumentMatchCollection) search.DocumentMatchCollection {
	if len(hits) < 2 || hits[0].Score <= 0 {
		return hits
	}
	sales := func(h *search.DocumentMatch) float64 {
		v, _ := h.Fields[fSales].(float64)
		return max(v, 0)
	}
	most := 0.0
	for _, h := range hits {
		most = max(most, sales(h))
	}
	if most == 0 {
		return hits
	}
	top, logMost := hits[0].Score, math.Log1p(most)
	key := make([]float64, len(hits))
	for i, h := range hits {
		key[i] = h.Score / top * (1 + salesWeight*math.Log1p(sales(h))/logMost)
	}
	// Pick the best adjusted key each round: a goods' penalty grows with
	// the SKUs of it already picked. 100 hits: 10^4 steps at most.
	picked := make([]bool, len(hits))
	ranked := map[float64]int{} // goods id → SKUs of it picked
	inCat := map[string]int{}   // category id → SKUs of it picked
	out := make(search.DocumentMatchCollection, 0, len(hits))
	for range hits {
		best, bestKey := -1, 0.0
		for i, h := range hits {
			if picked[i] {
				continue
			}
			goods, _ := h.Fields[fGoodsID].(float64)
			cat, _ := h.Fields[fCategoryID].(string)
			k := key[i] * math.Pow(repeatPenalty, float64(min(ranked[goods], maxPenalties))) *
				math.Pow(catPenalty, float64(min(inCat[cat], maxPenalties)))
			if best < 0 || k > bestKey {
				best, bestKey = i, k
			}
		}
		picked[best] = true
		goods, _ := hits[best].Fields[fGoodsID].(float64)
		ranked[goods]++
		cat, _ := hits[best].Fields[fCategoryID].(string)
		inCat[cat]++
		out = append(out, hits[best])
	}
	return out
}
