package search

import (
	"context"
	"errors"
	"fmt"
	"html"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

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
	fAll          = "all"   // every text field, each value analyzed alone
)

// A query token is looked for in all the text (fAll), and in the name
// and the caption on their own: a match in the name adds the most,
// being what a shopper reads in the list; the caption is marketing copy
// and adds little. The two also give the highlight its locations.
const (
	boostAll     = 1
	boostName    = 3
	boostCaption = 0.5
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
	keyword := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Store = false
		f.IncludeInAll = false
		f.DocValues = true
		return f
	}
	numeric := func() *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.Store = false
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
	dm.AddFieldMappingsAt(fCategoryID, keyword())
	dm.AddFieldMappingsAt(fCategoryIDs, keyword())
	dm.AddFieldMappingsAt(fPrice, numeric())
	dm.AddFieldMappingsAt(fSales, numeric())
	dm.AddFieldMappingsAt(fSKUID, numeric())
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
		fCategoryID:   strconv.Itoa(d.CategoryID),
		fCategoryIDs:  cats,
		fPrice:        float64(d.Price),
		fSales:        float64(d.Sales),
		fSKUID:        float64(d.SKUID),
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
// for something.
func (b *Bleve) Search(ctx context.Context, q Query) (Result, error) {
	q, err := CheckQuery(q)
	if err != nil {
		return Result{}, err
	}
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
	if q.Text != "" {
		toks, err := b.tokens(q.Text)
		if err != nil {
			return Result{}, err
		}
		if len(toks) == 0 {
			return Result{Hits: []Hit{}, Facets: []Facet{}}, nil
		}
		// One clause per token: the outer disjunction's coordination
		// factor (matched clauses / clauses) is what ranks a doc matching
		// all the words above one matching some, wherever in the doc each
		// word is; within a clause, the name and caption terms add to the
		// match anywhere.
		clauses := make([]query.Query, 0, len(toks))
		for _, tok := range toks {
			per := make([]query.Query, 0, 3)
			for _, f := range []struct {
				name  string
				boost float64
			}{{fAll, boostAll}, {fName, boostName}, {fCaption, boostCaption}} {
				t := bleve.NewTermQuery(tok)
				t.SetField(f.name)
				t.SetBoost(f.boost)
				per = append(per, t)
			}
			clauses = append(clauses, bleve.NewDisjunctionQuery(per...))
		}
		must = append(must, bleve.NewDisjunctionQuery(clauses...))
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(must...), q.Limit, q.Offset, false)
	req.SortBy(sortFor(q.OrderBy, q.Text != ""))
	req.Fields = []string{fName, fCaption}
	req.IncludeLocations = q.Text != ""
	req.AddFacet(fCategoryID, bleve.NewFacetRequest(fCategoryID, maxFacets))
	res, err := b.idx.SearchInContext(ctx, req)
	if err != nil {
		// A search changes nothing, so any failure (the caller's deadline,
		// a closed index) is safe to retry.
		return Result{}, apperr.Unavailable{Cause: fmt.Errorf("search: %w", err)}
	}
	out := Result{Total: int(res.Total), Hits: make([]Hit, 0, len(res.Hits)), Facets: []Facet{}}
	for _, h := range res.Hits {
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
