package skusearch

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/category"
	"github.com/storefront/storefront/ent/sku"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/money"
	"github.com/storefront/storefront/internal/search"
)

// Args are searchSkus' arguments.
type Args struct {
	Query              string
	CategoryID         *int
	PriceMin, PriceMax *money.Fen
	OrderBy            search.Order
	First              int
	After              *string
}

// Connection is one page of a search.
type Connection struct {
	Edges       []Edge
	PageInfo    PageInfo
	TotalCount  int
	Facets      []FacetCount
	Approximate bool
}

// Edge is one found SKU.
type Edge struct {
	Node      *ent.SKU
	Cursor    string
	Highlight string
}

// PageInfo says whether more follow.
type PageInfo struct {
	HasNextPage bool
	EndCursor   *string
}

// FacetCount is the matches in one category.
type FacetCount struct {
	Category *ent.Category
	Count    int
}

// Cursors are offsets, opaque to clients.
func cursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o" + strconv.Itoa(offset)))
}

func readCursor(c string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	n, aerr := strconv.Atoi(strings.TrimPrefix(string(b), "o"))
	if err != nil || aerr != nil || !strings.HasPrefix(string(b), "o") || n < 0 || len(c) > 32 {
		return 0, apperr.BadField("after", "after is not a cursor of this search")
	}
	return n, nil
}

// Search answers one page: the index finds, the database shows (two
// statements: the SKUs and the facets' categories).
func (s *Service) Search(ctx context.Context, a Args) (*Connection, error) {
	q := search.Query{Text: a.Query, OrderBy: a.OrderBy, Limit: a.First}
	if a.CategoryID != nil {
		q.CategoryID = *a.CategoryID
	}
	if a.PriceMin != nil {
		v := int64(*a.PriceMin)
		q.PriceMin = &v
	}
	if a.PriceMax != nil {
		v := int64(*a.PriceMax)
		q.PriceMax = &v
	}
	if a.After != nil {
		off, err := readCursor(*a.After)
		if err != nil {
			return nil, err
		}
		q.Offset = off + 1
	}
	q, err := search.CheckQuery(q)
	if err != nil {
		return nil, err
	}
	if a.CategoryID != nil {
		// A stale category id learns it is stale, as skus(categoryId:) does.
		if ok, err := s.client.Category.Query().Where(category.ID(*a.CategoryID)).Exist(ctx); err != nil {
			return nil, fmt.Errorf("skusearch: %w", err)
		} else if !ok {
			return nil, apperr.NotFound("category")
		}
	}
	res, err := s.idx.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	ids := make([]int, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.SKUID
	}
	rows, err := s.client.SKU.Query().Where(sku.IDIn(ids...), sku.Launched(true)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("skusearch: reading found SKUs: %w", err)
	}
	byID := make(map[int]*ent.SKU, len(rows))
	for _, k := range rows {
		byID[k.ID] = k
	}
	out := &Connection{TotalCount: res.Total, Approximate: res.Approximate}
	for i, h := range res.Hits {
		k, ok := byID[h.SKUID]
		if !ok {
			continue // off sale since the index saw it
		}
		out.Edges = append(out.Edges, Edge{Node: k, Cursor: cursor(q.Offset + i), Highlight: h.Highlight})
	}
	out.PageInfo.HasNextPage = q.Offset+len(res.Hits) < res.Total
	if n := len(out.Edges); n > 0 {
		out.PageInfo.EndCursor = &out.Edges[n-1].Cursor
	}
	if len(res.Facets) > 0 {
		catIDs := make([]int, len(res.Facets))
		for i, f := range res.Facets {
			catIDs[i] = f.CategoryID
		}
		cats, err := s.client.Category.Query().Where(category.IDIn(catIDs...)).All(ctx)
		if err != nil {
			return nil, fmt.Errorf("skusearch: reading facet categories: %w", err)
		}
		byCat := make(map[int]*ent.Category, len(cats))
		for _, c := range cats {
			byCat[c.ID] = c
		}
		for _, f := range res.Facets {
			if c, ok := byCat[f.CategoryID]; ok {
				out.Facets = append(out.Facets, FacetCount{Category: c, Count: f.Count})
			}
		}
	}
	return out, nil
}
