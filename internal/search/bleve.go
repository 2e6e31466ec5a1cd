package search

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
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
