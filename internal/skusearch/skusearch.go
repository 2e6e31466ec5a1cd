// Package skusearch keeps the search index (internal/search) following the
// catalog and answers shoppers' searches from it. Its promises:
//
//   - At start the index is rebuilt from the database before the shop
//     serves (Reindex, batches of 500); `storefront reindex` asks every
//     running instance to rebuild.
//   - A partner's change to a SKU (create, update, launch, stock, images)
//     reaches the index of the instance that took it before the mutation
//     answers (Refresh), and every other instance's within a Redis round
//     trip (Fleet: one pub/sub channel; an instance that was cut off from
//     it rebuilds when it resubscribes, since pub/sub keeps nothing).
//   - Sales, which orders move with no hook, reach the index every sweep
//     interval (SyncSales: one statement, then only the SKUs that moved).
//   - Search answers ids and highlights; the SKUs shown are read from the
//     database, so price, stock and launch are never stale, and a SKU
//     taken off sale since the index saw it is left out.
package skusearch

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
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

	// sales is each SKU's sales as last indexed: SyncSales re-indexes
	// the SKUs whose sales orders moved since.
	mu    sync.Mutex
	sales map[int]int
}

// New returns the service over idx.
func New(client *ent.Client, idx search.Index, log *slog.Logger) *Service {
	return &Service{client: client, idx: idx, log: log, sales: map[int]int{}}
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
		if err := s.upsert(ctx, rows, ancestors); err != nil {
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
	return s.upsert(ctx, []*ent.SKU{k}, ancestors)
}

// upsert indexes rows and remembers the sales they were indexed with.
func (s *Service) upsert(ctx context.Context, rows []*ent.SKU, ancestors map[int][]int) error {
	if err := s.idx.Upsert(ctx, docs(rows, ancestors)...); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range rows {
		s.sales[k.ID] = k.Sales
	}
	return nil
}

// SyncSales re-indexes the SKUs whose sales moved since they were
// indexed, and returns how many. Orders change sales with a bare UPDATE
// that no hook sees; this is how the SALES order and the relevance
// rerank follow them. It costs one statement reading every SKU's id and
// sales (an index-only scan: a few ms for 100k SKUs) plus one per 500
// SKUs that moved.
func (s *Service) SyncSales(ctx context.Context) (int, error) {
	var now []struct {
		ID    int `json:"id"`
		Sales int `json:"sales"`
	}
	if err := s.client.SKU.Query().Select(sku.FieldID, sku.FieldSales).Scan(ctx, &now); err != nil {
		return 0, fmt.Errorf("skusearch: reading sales: %w", err)
	}
	var moved []int
	s.mu.Lock()
	for _, r := range now {
		if was, ok := s.sales[r.ID]; ok && was != r.Sales {
			moved = append(moved, r.ID)
		}
	}
	s.mu.Unlock()
	if len(moved) == 0 {
		return 0, nil
	}
	ancestors, err := s.ancestors(ctx)
	if err != nil {
		return 0, err
	}
	for start := 0; start < len(moved); start += batch {
		ids := moved[start:min(start+batch, len(moved))]
		rows, err := s.client.SKU.Query().Where(sku.IDIn(ids...)).WithCategory().WithGoods().WithOptions().All(ctx)
		if err != nil {
			return start, fmt.Errorf("skusearch: reading SKUs: %w", err)
		}
		if err := s.upsert(ctx, rows, ancestors); err != nil {
			return start, fmt.Errorf("skusearch: indexing: %w", err)
		}
	}
	return len(moved), nil
}

// WatchSales runs SyncSales every period until ctx ends; a failed round
// is logged and the next one catches up.
func (s *Service) WatchSales(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, period)
		if _, err := s.SyncSales(rctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "search: following sales", "err", err)
		}
		cancel()
	}
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
