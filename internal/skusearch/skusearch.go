// Package skusearch keeps the search index (internal/search) following the
// catalog and answers shoppers' searches from it. Its promises:
//
//   - At start the index is rebuilt from the database in the background
//     (Reindex, batches of 500); `storefront reindex` does the same on a
//     running shop's data.
//   - A partner's change to a SKU (create, update, launch, stock) reaches
//     the index of the instance that took it before the mutation answers
//     (Refresh). Other instances learn it at their next rebuild; carrying
//     it to them at once (a Redis stream) is the fleet's work.
//   - Search answers ids and highlights; the SKUs shown are read from the
//     database, so price, stock and launch are never stale, and a SKU
//     taken off sale since the index saw it is left out.
package skusearch

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/category"
	"github.com/storefront/storefront/ent/sku"
	"github.com/storefront/storefront/internal/search"
)

// batch is how many SKUs one rebuild step reads and indexes.
const batch = 500

// Service ties the catalog to the index.
type Service struct {
	client *ent.Client
	idx    search.Index
	log    *slog.Logger
}

// New returns the service over idx.
func New(client *ent.Client, idx search.Index, log *slog.Logger) *Service {
	return &Service{client: client, idx: idx, log: log}
}

// Index is the engine (tests count and search it directly).
func (s *Service) Index() search.Index { return s.idx }

// Reindex indexes every SKU, launched or not (a relaunch is then an
// upsert), and returns how many.
func (s *Service) Reindex(ctx context.Context) (int, error) {
	ancestors, err := s.ancestors(ctx)
	if err != nil {
		return 0, err
	}
	n, last := 0, 0
	for {
		rows, err := s.client.SKU.Query().Where(sku.IDGT(last)).Order(ent.Asc(sku.FieldID)).Limit(batch).
			WithCategory().WithGoods().WithOptions().All(ctx)
		if err != nil {
			return n, fmt.Errorf("skusearch: reading SKUs: %w", err)
		}
		if len(rows) == 0 {
			return n, nil
		}
		if err := s.idx.Upsert(ctx, docs(rows, ancestors)...); err != nil {
			return n, fmt.Errorf("skusearch: indexing: %w", err)
		}
		n += len(rows)
		last = rows[len(rows)-1].ID
	}
}

// RunReindex rebuilds the index in the background at start, logging the
// outcome.
func (s *Service) RunReindex(ctx context.Context) {
	start := time.Now()
	n, err := s.Reindex(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "search: rebuilding the index", "err", err, "indexed", n)
		return
	}
	s.log.InfoContext(ctx, "search: index rebuilt", "skus", n, "took", time.Since(start).Round(time.Millisecond))
}

// Refresh brings one SKU's entry up to the database: upserted, or deleted
// when the SKU is gone. A failure is logged: the next rebuild repairs it,
// and the partner's change itself stands.
func (s *Service) Refresh(ctx context.Context, skuID int) {
	if err := s.refresh(ctx, skuID); err != nil {
		s.log.WarnContext(ctx, "search: a SKU change did not reach the index; the next rebuild brings it", "sku", skuID, "err", err)
	}
}

func (s *Service) refresh(ctx context.Context, skuID int) error {
	k, err := s.client.SKU.Query().Where(sku.ID(skuID)).WithCategory().WithGoods().WithOptions().Only(ctx)
	if ent.IsNotFound(err) {
		return s.idx.Delete(ctx, skuID)
	}
	if err != nil {
		return err
	}
	ancestors, err := s.ancestors(ctx)
	if err != nil {
		return err
	}
	return s.idx.Upsert(ctx, docs([]*ent.SKU{k}, ancestors)...)
}

// ancestors maps each category to itself and its ancestors (the tree is
// small: read whole).
func (s *Service) ancestors(ctx context.Context) (map[int][]int, error) {
	all, err := s.client.Category.Query().Select(category.FieldID, category.FieldParentID).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("skusearch: category tree: %w", err)
	}
	parent := make(map[int]int, len(all))
	for _, c := range all {
		if c.ParentID != nil {
			parent[c.ID] = *c.ParentID
		}
	}
	out := make(map[int][]int, len(all))
	for _, c := range all {
		chain := []int{c.ID}
		for p, ok := parent[c.ID]; ok && len(chain) < 16; p, ok = parent[p] {
			chain = append(chain, p)
		}
		out[c.ID] = chain
	}
	return out, nil
}

func docs(rows []*ent.SKU, ancestors map[int][]int) []search.Doc {
	out := make([]search.Doc, 0, len(rows))
	for _, k := range rows {
		d := search.Doc{
			SKUID: k.ID, CategoryID: k.CategoryID, GoodsID: k.GoodsID,
			CategoryIDs: ancestors[k.CategoryID],
			Name:        k.Name, Caption: k.Caption,
			Price: int64(k.Price), Sales: k.Sales, Stock: k.Stock,
			Launched: k.Launched, CreatedAt: k.CreatedAt,
		}
		if c := k.Edges.Category; c != nil {
			d.CategoryName = c.Name
		}
		if g := k.Edges.Goods; g != nil {
			d.GoodsName = g.Name
		}
		for _, o := range k.Edges.Options {
			d.Specs = append(d.Specs, o.Value)
		}
		out = append(out, d)
	}
	return out
}
