// Package search is the storefront's full-text search over SKUs: an
// Index interface, so a deployment can later point at Elasticsearch, and
// an embedded, pure-Go implementation on bleve. Its promises:
//
//   - Chinese and mixed text work without a dictionary: CJK runs are
//     indexed as overlapping bigrams, latin words and numbers as
//     lower-cased words ("iPhone 15 黑色" → iphone, 15, 黑色), so a query
//     finds any two-character run of a name ("笔记本" finds "笔记本电脑").
//   - A query of several words prefers documents matching more of them
//     (each query token is one clause of a disjunction scored by
//     coordination), and a match in the name or the category's name
//     weighs more than one in the goods name, caption or specs: "苹果手机"
//     ranks Apple phones above both apples the fruit and other phones.
//     A few brand aliases (苹果 → apple) find goods named the latin way.
//   - In relevance order the best 100 matches are ranked by score and
//     sales together, and a further SKU of a goods or category already
//     shown ranks a little lower: equally good matches show the best
//     seller first, and the first page shows the range ("苹果": the fruit
//     and the phones; "手机": each make's best phone, not five colours of
//     one).
//   - Unlaunched SKUs are indexed, so relaunching is one Upsert, but never
//     returned; sold-out SKUs are returned.
//   - Facets count the matching SKUs per own category over all matches,
//     not the page; Total is the number of matches.
//   - Highlight is the matched name (else caption, else the name) with the
//     matched runs in <em>…</em> and everything else HTML-escaped.
//   - Every order is total (ties broken by SKU id), so paging with Offset
//     neither repeats nor skips a SKU while the index stands still.
//
// Queries are checked by CheckQuery; Search checks again, so a caller that
// forgets still gets BAD_USER_INPUT rather than a bleve error.
package search

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/storefront/storefront/internal/apperr"
)

// Doc is one SKU as search sees it.
type Doc struct {
	SKUID, CategoryID, GoodsID int
	CategoryIDs                []int // the category and its ancestors, for filtering by a parent category
	Name, Caption, GoodsName   string
	CategoryName               string
	Specs                      []string // option values: "黑色", "256GB"
	Price                      int64    // fen
	Sales, Stock               int
	Launched                   bool
	CreatedAt                  time.Time
}

// Order is how hits are sorted.
type Order string

// The orders. Each is made total by the SKU id.
const (
	Relevance Order = "RELEVANCE"  // score and sales (see the package doc); with no text: sales
	Price     Order = "PRICE"      // cheapest first
	PriceDesc Order = "PRICE_DESC" // dearest first
	Sales     Order = "SALES"      // best-selling first
	Newest    Order = "NEWEST"     // most recently created first
)

func (o Order) valid() bool {
	switch o {
	case Relevance, Price, PriceDesc, Sales, Newest:
		return true
	}
	return false
}

// Query is one search.
type Query struct {
	Text               string
	CategoryID         int // 0: any; matches CategoryIDs
	PriceMin, PriceMax *int64
	OrderBy            Order // "" is Relevance
	Offset, Limit      int   // Limit 1..100
}

// Hit is one matching SKU.
type Hit struct {
	SKUID     int
	Score     float64
	Highlight string
}

// Facet is the number of matches in one category.
type Facet struct{ CategoryID, Count int }

// Result is one page of hits, the number of all matches, and the matches
// per category (most first, then by category id).
type Result struct {
	Hits   []Hit
	Total  int
	Facets []Facet
	// Approximate: nothing matched the text as typed, and these match
	// its latin words spelt a little differently ("macbok").
	Approximate bool
}

// Index is a search index of SKUs. Implementations are safe for
// concurrent use.
type Index interface {
	// Upsert adds or replaces the docs, by SKUID.
	Upsert(ctx context.Context, docs ...Doc) error
	// Delete removes the SKUs; ids not in the index are ignored.
	Delete(ctx context.Context, skuIDs ...int) error
	Search(ctx context.Context, q Query) (Result, error)
	// Count is the number of indexed SKUs, launched or not.
	Count() (int, error)
	Close() error
}

// The limits CheckQuery holds a query to.
const (
	MaxTextRunes = 100
	MaxLimit     = 100
	// MaxOffset bounds deep paging: a page past it costs a sort of
	// everything before it, and no shopper pages that far.
	MaxOffset = 10000
)

// CheckQuery returns q with its text trimmed and its order defaulted, or
// a BAD_USER_INPUT error naming the field the client sent (the lead's
// GraphQL names: query, priceMin, priceMax, first, after, orderBy).
func CheckQuery(q Query) (Query, error) {
	q.Text = strings.TrimSpace(q.Text)
	if !utf8.ValidString(q.Text) {
		return q, apperr.BadField("query", "the search text is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(q.Text); n > MaxTextRunes {
		return q, apperr.BadField("query", "the search text is %d characters; at most %d", n, MaxTextRunes)
	}
	for _, r := range q.Text {
		if unicode.IsControl(r) {
			return q, apperr.BadField("query", "the search text has a control character")
		}
	}
	if q.PriceMin != nil && *q.PriceMin < 0 {
		return q, apperr.BadField("priceMin", "the lowest price cannot be negative")
	}
	if q.PriceMax != nil && *q.PriceMax < 0 {
		return q, apperr.BadField("priceMax", "the highest price cannot be negative")
	}
	if q.PriceMin != nil && q.PriceMax != nil && *q.PriceMin > *q.PriceMax {
		return q, apperr.BadField("priceMax", "the highest price is below the lowest")
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return q, apperr.BadField("first", "ask for 1 to %d results", MaxLimit)
	}
	if q.Offset < 0 || q.Offset > MaxOffset {
		return q, apperr.BadField("after", "results can be paged to at most %d", MaxOffset)
	}
	if q.CategoryID < 0 {
		return q, apperr.BadField("categoryId", "no such category")
	}
	if q.OrderBy == "" {
		q.OrderBy = Relevance
	}
	if !q.OrderBy.valid() {
		return q, apperr.BadField("orderBy", "unknown order %q", string(q.OrderBy))
	}
	return q, nil
}
