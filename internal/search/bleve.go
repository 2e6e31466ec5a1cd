package search

import (
	"context"
	"errors"
	"fmt"
	"html"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/storefront/storefront/internal/apperr"
)

// Bleve is the embedded Index: in memory, or on disk in one directory.
type Bleve struct {
	idx      bleve.Index
	analyzer string

	closeOnce sync.Once // scorch panics on a second Close
	closeErr  error
}

var _ Index = (*Bleve)(nil)

// Field names in the bleve documents.
const (
	fName         = "name"
	fCaption      = "caption"
	fGoodsName    = "goodsName"
	fCategoryName = "categoryName"
	fSpecs        = "specs"
	fCategoryID   = "categoryID"  // keyword: the facet
	fCategoryIDs  = "categoryIDs" // keyword: the filter
	fPrice        = "price"
	fSales        = "sales"
	fLaunched     = "launched"
	fCreatedAt    = "createdAt"
	fSKUID        = "skuID" // numeric: the tie-break of every order
	fGoodsID      = "goodsID"
	fAll          = "all"    // every text field, each value analyzed alone
	fPinyin       = "pinyin" // see pinyin.go
)

// A query token is looked for in all the text (fAll), and in the name,
// the category and the caption on their own: a match in the name adds
// the most, being what a shopper reads in the list, and so does one in
// the category's name, since a shopper often types the kind of thing
// ("水果" is the fruit category, not 水果玉米, the sweet corn); the
// caption is marketing copy and adds little. Name and caption also give
// the highlight its locations.
const (
	boostAll      = 1
	boostName     = 3
	boostCategory = 3
	boostCaption  = 0.5
	boostPinyin   = 1 // as a match anywhere: "shouji" is 手机 typed the other way
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

// brandAliases are other spellings a query token also looks for, as the
// analyzer cuts them, in each field where the token itself is not: shops
// name goods by the maker's latin brand ("Apple iPhone 15") and shoppers
// type the Chinese one, or the other way round. 苹果 looks for apple but
// not apple for 苹果: "apple" means the brand, 苹果 is also the fruit.
// Each entry is measured on both relevance tests before it goes in.
var brandAliases = map[string][]string{
	"苹果": {"apple"},
	"华为": {"huawei"}, "huawei": {"华为"},
	"小米": {"xiaomi"}, "xiaomi": {"小米"},
}

// aliasBoost weighs an alias against the word itself. Above 1.2 Apple
// devices push the fruit out of "苹果" on the package's fixture; below it
// the demo catalog's iPhones fall out of it (measured by both relevance
// tests).
const aliasBoost = 1.2

// maxFacets bounds the categories counted; a store with more leaf
// categories than this in one result set is not this package's store.
const maxFacets = 1000

// OpenBleve opens the index at path, creating it if missing; path ""
// is an index in memory, gone on Close.
func OpenBleve(path string) (*Bleve, error) { return openBleve(path, cjk.AnalyzerName) }

func openBleve(path, analyzer string) (*Bleve, error) {
	var (
		idx bleve.Index
		err error
	)
	if path == "" {
		// Scorch, the on-disk index type, also runs in memory, and there
		// indexes 1000 SKUs several times faster than NewMemOnly's
		// upsidedown over a tree, and the two then score alike.
		idx, err = bleve.NewUsing("", newMapping(analyzer), scorch.Name, scorch.Name, nil)
	} else if _, statErr := os.Stat(path); errors.Is(statErr, os.ErrNotExist) {
		idx, err = bleve.New(path, newMapping(analyzer))
	} else {
		idx, err = bleve.Open(path)
	}
	if err != nil {
		return nil, fmt.Errorf("search: open index %q: %w", path, err)
	}
	// An index on disk keeps the analyzer it was built with; queries must
	// be cut the same way, so take it from the index, not the argument.
	if im, ok := idx.Mapping().(*mapping.IndexMappingImpl); ok && im.DefaultAnalyzer != "" {
		analyzer = im.DefaultAnalyzer
	}
	return &Bleve{idx: idx, analyzer: analyzer}, nil
}

// customAnalyzers add analyzers bleve does not register itself, by
// name; the tests add the gse segmenter they measure against the
// bigrams, which the binary does not carry (its dictionaries are 38 MB).
var customAnalyzers = map[string]func(*mapping.IndexMappingImpl){}

func newMapping(analyzer string) *mapping.IndexMappingImpl {
	im := bleve.NewIndexMapping()
	if add, ok := customAnalyzers[analyzer]; ok {
		add(im)
	}
	im.DefaultAnalyzer = analyzer

	text := func(store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = store
		f.IncludeTermVectors = store // the locations the highlight needs
		f.IncludeInAll = false
		return f
	}
	keyword := func(store bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Store = store
		f.IncludeInAll = false
		f.DocValues = true
		return f
	}
	numeric := func(store bool) *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.Store = store
		f.IncludeInAll = false
		return f
	}
	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(fName, text(true))
	dm.AddFieldMappingsAt(fCaption, text(true))
	dm.AddFieldMappingsAt(fGoodsName, text(false))
	dm.AddFieldMappingsAt(fCategoryName, text(false))
	dm.AddFieldMappingsAt(fSpecs, text(false))
	dm.AddFieldMappingsAt(fAll, text(false))
	dm.AddFieldMappingsAt(fPinyin, text(false))
	dm.AddFieldMappingsAt(fCategoryID, keyword(true)) // the rerank reads it
	dm.AddFieldMappingsAt(fCategoryIDs, keyword(false))
	dm.AddFieldMappingsAt(fPrice, numeric(false))
	dm.AddFieldMappingsAt(fSales, numeric(true)) // the rerank reads it
	dm.AddFieldMappingsAt(fSKUID, numeric(false))
	dm.AddFieldMappingsAt(fGoodsID, numeric(true)) // the rerank reads it
	launched := bleve.NewBooleanFieldMapping()
	launched.Store = false
	launched.IncludeInAll = false
	dm.AddFieldMappingsAt(fLaunched, launched)
	created := bleve.NewDateTimeFieldMapping()
	created.Store = false
	created.IncludeInAll = false
	dm.AddFieldMappingsAt(fCreatedAt, created)
	im.DefaultMapping = dm
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false
	return im
}

func docID(skuID int) string { return strconv.Itoa(skuID) }

func toBleve(d Doc) map[string]any {
	cats := make([]string, 0, len(d.CategoryIDs)+1)
	seen := map[int]bool{}
	// The own category is always one to filter by, whether or not the
	// caller repeated it among the ancestors.
	for _, c := range append([]int{d.CategoryID}, d.CategoryIDs...) {
		if c != 0 && !seen[c] {
			seen[c] = true
			cats = append(cats, strconv.Itoa(c))
		}
	}
	return map[string]any{
		fName:         d.Name,
		fCaption:      d.Caption,
		fGoodsName:    d.GoodsName,
		fCategoryName: d.CategoryName,
		fSpecs:        d.Specs,
		fAll:          append([]string{d.Name, d.GoodsName, d.CategoryName, d.Caption}, d.Specs...),
		fPinyin:       pinyinWindows(d.Name, d.CategoryName),
		fCategoryID:   strconv.Itoa(d.CategoryID),
		fCategoryIDs:  cats,
		fPrice:        float64(d.Price),
		fSales:        float64(d.Sales),
		fSKUID:        float64(d.SKUID),
		fGoodsID:      float64(d.GoodsID),
		fLaunched:     d.Launched,
		fCreatedAt:    d.CreatedAt.UTC().Format(time.RFC3339Nano),
	}
}

// Upsert indexes the docs in one batch: all of them or, on an error,
// possibly none.
func (b *Bleve) Upsert(ctx context.Context, docs ...Doc) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	batch := b.idx.NewBatch()
	for _, d := range docs {
		if err := batch.Index(docID(d.SKUID), toBleve(d)); err != nil {
			return fmt.Errorf("search: index sku %d: %w", d.SKUID, err)
		}
	}
	if err := b.idx.Batch(batch); err != nil {
		return fmt.Errorf("search: upsert: %w", err)
	}
	return nil
}

// Delete removes the SKUs in one batch.
func (b *Bleve) Delete(ctx context.Context, skuIDs ...int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	batch := b.idx.NewBatch()
	for _, id := range skuIDs {
		batch.Delete(docID(id))
	}
	if err := b.idx.Batch(batch); err != nil {
		return fmt.Errorf("search: delete: %w", err)
	}
	return nil
}

// Count is the number of SKUs in the index, launched or not.
func (b *Bleve) Count() (int, error) {
	n, err := b.idx.DocCount()
	if err != nil {
		return 0, fmt.Errorf("search: count: %w", err)
	}
	return int(n), nil
}

// Close closes the index; an in-memory one is gone. Closing again does
// nothing; using a closed index is an error.
func (b *Bleve) Close() error {
	b.closeOnce.Do(func() { b.closeErr = b.idx.Close() })
	return b.closeErr
}

// tokens cuts text the way the index cut the documents, without
// repeats, in order.
func (b *Bleve) tokens(text string) ([]string, error) {
	a := b.idx.Mapping().AnalyzerNamed(b.analyzer)
	if a == nil {
		return nil, fmt.Errorf("search: analyzer %q is not registered", b.analyzer)
	}
	var out []string
	seen := map[string]bool{}
	for _, t := range a.Analyze([]byte(text)) {
		s := string(t.Term)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out, nil
}

// Search runs q; a failure to search (ctx done, index closed) is
// apperr.Unavailable. A query whose text cuts to no tokens (only
// punctuation) matches nothing rather than everything: the shopper asked
// for something. A text that matches nothing is tried once more with its
// latin words spelt loosely (typoTolerance), and the Result says so.
func (b *Bleve) Search(ctx context.Context, q Query) (Result, error) {
	q, err := CheckQuery(q)
	if err != nil {
		return Result{}, err
	}
	filters := filtersOf(q)
	if q.Text == "" {
		return b.run(ctx, q, filters, nil)
	}
	toks, err := b.tokens(q.Text)
	if err != nil {
		return Result{}, err
	}
	if len(toks) == 0 {
		return Result{Hits: []Hit{}, Facets: []Facet{}}, nil
	}
	words := wordsOf(q.Text)
	res, err := b.run(ctx, q, filters, textQuery(toks, words, false))
	if err != nil || res.Total > 0 || !slices.ContainsFunc(toks, loose) {
		return res, err
	}
	res, err = b.run(ctx, q, filters, textQuery(toks, words, true))
	res.Approximate = true
	return res, err
}

// filtersOf is what every hit must be: launched, in the category, in
// the price range.
func filtersOf(q Query) []query.Query {
	launched := bleve.NewBoolFieldQuery(true)
	launched.SetField(fLaunched)
	must := []query.Query{launched}
	if q.CategoryID != 0 {
		c := bleve.NewTermQuery(strconv.Itoa(q.CategoryID))
		c.SetField(fCategoryIDs)
		must = append(must, c)
	}
	if q.PriceMin != nil || q.PriceMax != nil {
		var lo, hi *float64
		if q.PriceMin != nil {
			v := float64(*q.PriceMin)
			lo = &v
		}
		if q.PriceMax != nil {
			v := float64(*q.PriceMax)
			hi = &v
		}
		yes := true
		p := bleve.NewNumericRangeInclusiveQuery(lo, hi, &yes, &yes)
		p.SetField(fPrice)
		must = append(must, p)
	}
	return must
}

// textQuery is one clause per token: the outer disjunction's
// coordination factor (matched clauses / clauses) is what ranks a doc
// matching all the words above one matching some, wherever in the doc
// each word is; within a clause, the name and caption terms add to the
// match anywhere. With fuzzy, the latin words also match spellings one
// or two edits away.
func textQuery(toks []string, words map[string]bool, fuzzy bool) query.Query {
	clauses := make([]query.Query, 0, len(toks))
	for _, tok := range toks {
		var aliases []string
		if words[tok] {
			aliases = brandAliases[tok]
		}
		per := make([]query.Query, 0, 8)
		for _, f := range []struct {
			name  string
			boost float64
		}{{fAll, boostAll}, {fName, boostName}, {fCategoryName, boostCategory}, {fCaption, boostCaption}} {
			per = append(per, termIn(f.name, tok, aliases, f.boost))
		}
		if pinyinQuery(tok) {
			per = append(per, termIn(fPinyin, tok, nil, boostPinyin))
		}
		if fuzzy && loose(tok) {
			for _, field := range []string{fAll, fPinyin} {
				fq := bleve.NewFuzzyQuery(tok)
				fq.SetField(field)
				fq.SetFuzziness(typoTolerance(tok))
				per = append(per, fq)
			}
		}
		clauses = append(clauses, bleve.NewDisjunctionQuery(per...))
	}
	return bleve.NewDisjunctionQuery(clauses...)
}

// loose reports whether a token may be spelt loosely: a latin word of 4
// letters or more (shorter ones, and CJK bigrams, are a different word
// one edit away).
func loose(tok string) bool {
	if len(tok) < 4 {
		return false
	}
	for _, r := range tok {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// typoTolerance is how many edits a loose word may be off by (a swap of
// two letters is one): one up to 7 letters ("macbok", "iphnoe"), two
// from 8 ("thinkpda" is one; two in a shorter word reach other words).
func typoTolerance(tok string) int {
	if len(tok) >= 8 {
		return 2
	}
	return 1
}

// run searches the index for text (nil: everything) under filters.
func (b *Bleve) run(ctx context.Context, q Query, filters []query.Query, text query.Query) (Result, error) {
	must := filters
	if text != nil {
		must = append(slices.Clip(filters), text)
	}
	// A page reaching into the window is cut from the reranked window
	// and, past it, the score's order; a page wholly past the window is
	// the score's order alone.
	rerank := text != nil && q.OrderBy == Relevance && q.Offset < rerankWindow
	size, from := q.Limit, q.Offset
	if rerank {
		size, from = max(rerankWindow, q.Offset+q.Limit), 0
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(must...), size, from, false)
	req.SortBy(sortFor(q.OrderBy, text != nil))
	req.Fields = []string{fName, fCaption, fSales, fGoodsID, fCategoryID}
	req.IncludeLocations = text != nil
	req.AddFacet(fCategoryID, bleve.NewFacetRequest(fCategoryID, maxFacets))
	res, err := b.idx.SearchInContext(ctx, req)
	if err != nil {
		// A search changes nothing, so any failure (the caller's deadline,
		// a closed index) is safe to retry.
		return Result{}, apperr.Unavailable{Cause: fmt.Errorf("search: %w", err)}
	}
	hits := res.Hits
	if rerank {
		w := min(rerankWindow, len(hits))
		hits = append(rerankBySales(hits[:w]), hits[w:]...)
		hits = hits[min(q.Offset, len(hits)):min(q.Offset+q.Limit, len(hits))]
	}
	out := Result{Total: int(res.Total), Hits: make([]Hit, 0, len(hits)), Facets: []Facet{}}
	for _, h := range hits {
		id, err := strconv.Atoi(h.ID)
		if err != nil {
			return Result{}, fmt.Errorf("search: document id %q is not a SKU id", h.ID)
		}
		out.Hits = append(out.Hits, Hit{SKUID: id, Score: h.Score, Highlight: highlight(h)})
	}
	if f := res.Facets[fCategoryID]; f != nil && f.Terms != nil {
		for _, t := range f.Terms.Terms() {
			id, err := strconv.Atoi(t.Term)
			if err != nil {
				continue
			}
			out.Facets = append(out.Facets, Facet{CategoryID: id, Count: t.Count})
		}
	}
	sort.Slice(out.Facets, func(i, j int) bool {
		if out.Facets[i].Count != out.Facets[j].Count {
			return out.Facets[i].Count > out.Facets[j].Count
		}
		return out.Facets[i].CategoryID < out.Facets[j].CategoryID
	})
	return out, nil
}

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

// wordsOf is the set of the text's words as a shopper typed them apart:
// runs of letters and digits, cut where the script changes between Han
// and the rest, lower-cased. A brand alias applies only to a token that
// is such a word ("苹果", "苹果 充电器"), not to one cut out of a longer
// run: in "红富士苹果" 苹果 is the fruit.
func wordsOf(text string) map[string]bool {
	out := map[string]bool{}
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out[strings.ToLower(string(cur))] = true
			cur = cur[:0]
		}
	}
	for _, r := range text {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) {
			flush()
			continue
		}
		if len(cur) > 0 && unicode.Is(unicode.Han, cur[len(cur)-1]) != unicode.Is(unicode.Han, r) {
			flush()
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

// termIn matches tok in field, or one of tok's brand aliases where tok
// itself is not there: a name with both ("Apple/苹果 iPhone 15") is not
// twice as 苹果. Either way it is one clause of the token's disjunction,
// so a token with aliases weighs no more in the coordination than one
// without.
func termIn(field, tok string, aliases []string, boost float64) query.Query {
	t := bleve.NewTermQuery(tok)
	t.SetField(field)
	if len(aliases) == 0 {
		t.SetBoost(boost)
		return t
	}
	// The two sides exclude each other, so this disjunction's
	// coordination is always 1/2: the doubled boosts undo it.
	t.SetBoost(2 * boost)
	alt := make([]query.Query, len(aliases))
	for i, a := range aliases {
		at := bleve.NewTermQuery(a)
		at.SetField(field)
		at.SetBoost(2 * boost * aliasBoost)
		alt[i] = at
	}
	not := bleve.NewTermQuery(tok)
	not.SetField(field)
	return bleve.NewDisjunctionQuery(t, query.NewBooleanQuery([]query.Query{bleve.NewDisjunctionQuery(alt...)}, nil, []query.Query{not}))
}

func sortFor(o Order, text bool) []string {
	switch o {
	case Price:
		return []string{fPrice, fSKUID}
	case PriceDesc:
		return []string{"-" + fPrice, fSKUID}
	case Sales:
		return []string{"-" + fSales, fSKUID}
	case Newest:
		return []string{"-" + fCreatedAt, "-" + fSKUID}
	}
	if !text {
		// Every browsed doc scores the same; best sellers first is what
		// "relevant" means with nothing typed.
		return []string{"-" + fSales, fSKUID}
	}
	return []string{"-_score", "-" + fSales, fSKUID}
}

// highlight marks the matched runs of the name, else of the caption;
// with no match in either (a match in specs, or no text) it is the
// name, escaped.
func highlight(h *search.DocumentMatch) string {
	for _, f := range []string{fName, fCaption} {
		s, _ := h.Fields[f].(string)
		if s == "" {
			continue
		}
		if m := mark(s, h.Locations[f]); m != "" {
			return m
		}
	}
	s, _ := h.Fields[fName].(string)
	return html.EscapeString(s)
}

// mark wraps the byte ranges locs covers in <em>, merging overlaps (the
// bigrams 苹果 and 果手 of 苹果手 are one run), and escapes the rest. It
// returns "" when there is nothing to mark.
func mark(s string, locs search.TermLocationMap) string {
	type span struct{ start, end int }
	var spans []span
	for _, ls := range locs {
		for _, l := range ls {
			st, en := int(l.Start), int(l.End)
			if st >= 0 && en <= len(s) && st < en {
				spans = append(spans, span{st, en})
			}
		}
	}
	if len(spans) == 0 {
		return ""
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	var sb strings.Builder
	at := 0
	for i := 0; i < len(spans); {
		st, en := spans[i].start, spans[i].end
		for i++; i < len(spans) && spans[i].start <= en; i++ {
			en = max(en, spans[i].end)
		}
		st = max(st, at)
		sb.WriteString(html.EscapeString(s[at:st]))
		sb.WriteString("<em>")
		sb.WriteString(html.EscapeString(s[st:en]))
		sb.WriteString("</em>")
		at = en
	}
	sb.WriteString(html.EscapeString(s[at:]))
	return sb.String()
}
