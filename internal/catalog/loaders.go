package catalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/category"
	"github.com/storefront/storefront/ent/goodsspecification"
	"github.com/storefront/storefront/ent/sku"
	"github.com/storefront/storefront/ent/specificationoption"
)

// batchWait is how long a loader waits to gather keys: resolvers of one
// list run concurrently and all ask within microseconds of each other.
const batchWait = 500 * time.Microsecond

// Loaders batch the per-item reads of one request. They cache for the
// request's lifetime only, so a new request sees new data.
type Loaders struct {
	children *dataloadgen.Loader[int, []*ent.Category]
	category *dataloadgen.Loader[int, *ent.Category]
	variants *dataloadgen.Loader[int, *variants]
	skus     *dataloadgen.Loader[int, *ent.SKU]

	// A batch window alone cannot promise one batch per page: under load
	// the resolvers of one page may straddle two windows. So a listing
	// announces the products on its page (expectGoods), the first variants
	// fetch reads them all, and later batches are served from fetched.
	mu       sync.Mutex
	expected map[int]bool
	fetched  map[int]*variants
}

// NewLoaders returns loaders for one request.
func (s *Service) NewLoaders() *Loaders {
	l := &Loaders{expected: map[int]bool{}, fetched: map[int]*variants{}}
	l.children = dataloadgen.NewMappedLoader(s.loadChildren, dataloadgen.WithWait(batchWait))
	l.category = dataloadgen.NewMappedLoader(s.loadCategories, dataloadgen.WithWait(batchWait))
	l.skus = dataloadgen.NewMappedLoader(s.loadLaunched, dataloadgen.WithWait(batchWait))
	l.variants = dataloadgen.NewMappedLoader(func(ctx context.Context, goodsIDs []int) (map[int]*variants, error) {
		return l.fetchVariants(ctx, s, goodsIDs)
	}, dataloadgen.WithWait(batchWait))
	return l
}

// expectGoods notes the products of a page about to be resolved.
func (l *Loaders) expectGoods(ids []int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		if _, done := l.fetched[id]; !done {
			l.expected[id] = true
		}
	}
}

// fetchVariants serves goodsIDs, reading those not fetched yet together with
// every expected product. Holding mu across the read makes a second batch
// wait for the first instead of reading the same rows again.
func (l *Loaders) fetchVariants(ctx context.Context, s *Service, goodsIDs []int) (map[int]*variants, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var need []int
	for _, id := range goodsIDs {
		if _, done := l.fetched[id]; !done {
			need = append(need, id)
			delete(l.expected, id)
		}
	}
	if len(need) > 0 {
		for id := range l.expected {
			need = append(need, id)
		}
		clear(l.expected)
		got, err := s.loadVariants(ctx, need)
		if err != nil {
			return nil, err
		}
		for id, v := range got {
			l.fetched[id] = v
		}
	}
	out := make(map[int]*variants, len(goodsIDs))
	for _, id := range goodsIDs {
		out[id] = l.fetched[id]
	}
	return out, nil
}

type loadersKey struct{}

// WithLoaders attaches l to ctx.
func WithLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// loaders returns the request's loaders, or fresh ones for calls made outside
// a request (tests, tools) so they stay correct, merely unbatched.
func (s *Service) loaders(ctx context.Context) *Loaders {
	if l, ok := ctx.Value(loadersKey{}).(*Loaders); ok {
		return l
	}
	return s.NewLoaders()
}

// Children returns a category's sub-categories in display order.
func (s *Service) Children(ctx context.Context, parentID int) ([]*ent.Category, error) {
	return s.loaders(ctx).children.Load(ctx, parentID)
}

// Parent returns a category's parent, nil at the top.
func (s *Service) Parent(ctx context.Context, c *ent.Category) (*ent.Category, error) {
	if c.ParentID == nil {
		return nil, nil
	}
	return s.loaders(ctx).category.Load(ctx, *c.ParentID)
}

func (s *Service) loadChildren(ctx context.Context, parents []int) (map[int][]*ent.Category, error) {
	rows, err := s.client.Category.Query().
		Where(category.ParentIDIn(parents...)).
		Order(ent.Asc(category.FieldSort), ent.Asc(category.FieldID)).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalog: child categories: %w", err)
	}
	out := make(map[int][]*ent.Category, len(parents))
	for _, p := range parents {
		out[p] = []*ent.Category{} // a leaf has no children, not an error
	}
	for _, c := range rows {
		out[*c.ParentID] = append(out[*c.ParentID], c)
	}
	return out, nil
}

// LaunchedSKU returns a SKU if it is launched, nil otherwise (for fields
// that point at a SKU, like a cart line's, and show it only while on sale).
func (s *Service) LaunchedSKU(ctx context.Context, id int) (*ent.SKU, error) {
	k, err := s.loaders(ctx).skus.Load(ctx, id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, nil
	}
	return k, err
}

func (s *Service) loadLaunched(ctx context.Context, ids []int) (map[int]*ent.SKU, error) {
	rows, err := s.client.SKU.Query().Where(sku.IDIn(ids...), sku.Launched(true)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalog: skus: %w", err)
	}
	out := make(map[int]*ent.SKU, len(ids))
	for _, k := range rows {
		out[k.ID] = k
	}
	return out, nil
}

// SKUsByID returns the SKUs with the given ids, launched or not, for callers
// that judge availability themselves (the cart, orders).
func (s *Service) SKUsByID(ctx context.Context, ids []int) ([]*ent.SKU, error) {
	rows, err := s.client.SKU.Query().Where(sku.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalog: skus by id: %w", err)
	}
	return rows, nil
}

func (s *Service) loadCategories(ctx context.Context, ids []int) (map[int]*ent.Category, error) {
	rows, err := s.client.Category.Query().Where(category.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalog: categories: %w", err)
	}
	out := make(map[int]*ent.Category, len(rows))
	for _, c := range rows {
		out[c.ID] = c
	}
	return out, nil
}

// Specification is one axis of variation of a SKU's product, seen from that
// SKU.
type Specification struct {
	ID      int
	Name    string
	Options []*SpecOption
}

// SpecOption is one option of a Specification. SKU is the launched sibling
// that choosing the option leads to (the SKU's other choices kept), nil when
// that combination is not on sale.
type SpecOption struct {
	ID       int
	Value    string
	Selected bool
	SKU      *ent.SKU
}

// variants is everything about one product needed to map options to SKUs.
type variants struct {
	specs []*ent.GoodsSpecification // with options, in display order
	// skuOptions maps every SKU of the product (launched or not) to its
	// option per specification.
	skuOptions map[int]map[int]int
	// byCombination finds a launched SKU by its sorted option ids.
	byCombination map[string]*ent.SKU
}

// Specifications returns the specifications of the SKU's product, each
// option pointing at the launched SKU it leads to.
func (s *Service) Specifications(ctx context.Context, k *ent.SKU) ([]*Specification, error) {
	v, err := s.loaders(ctx).variants.Load(ctx, k.GoodsID)
	if err != nil {
		return nil, err
	}
	mine := v.skuOptions[k.ID]
	out := make([]*Specification, 0, len(v.specs))
	for _, spec := range v.specs {
		os := spec.Edges.Options
		sp := &Specification{ID: spec.ID, Name: spec.Name, Options: make([]*SpecOption, 0, len(os))}
		for _, o := range os {
			choice := make(map[int]int, len(mine))
			for sid, oid := range mine {
				choice[sid] = oid
			}
			choice[spec.ID] = o.ID
			sp.Options = append(sp.Options, &SpecOption{
				ID:       o.ID,
				Value:    o.Value,
				Selected: mine[spec.ID] == o.ID,
				SKU:      v.byCombination[combination(choice)],
			})
		}
		out = append(out, sp)
	}
	return out, nil
}

func combination(choice map[int]int) string {
	ids := make([]int, 0, len(choice))
	for _, oid := range choice {
		ids = append(ids, oid)
	}
	slices.Sort(ids)
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(id))
	}
	return b.String()
}

// loadVariants reads the specifications and SKUs of many products in four
// queries: specifications, their options, SKUs, and the SKU-option links.
func (s *Service) loadVariants(ctx context.Context, goodsIDs []int) (map[int]*variants, error) {
	specs, err := s.client.GoodsSpecification.Query().
		Where(goodsspecification.GoodsIDIn(goodsIDs...)).
		Order(ent.Asc(goodsspecification.FieldSort), ent.Asc(goodsspecification.FieldID)).
		WithOptions(func(q *ent.SpecificationOptionQuery) {
			q.Order(ent.Asc(specificationoption.FieldSort), ent.Asc(specificationoption.FieldID))
		}).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalog: specifications: %w", err)
	}
	skus, err := s.client.SKU.Query().
		Where(sku.GoodsIDIn(goodsIDs...)).
		WithOptions(func(q *ent.SpecificationOptionQuery) {
			q.Select(specificationoption.FieldID, specificationoption.FieldSpecificationID)
		}).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalog: product skus: %w", err)
	}
	out := make(map[int]*variants, len(goodsIDs))
	for _, g := range goodsIDs {
		out[g] = &variants{skuOptions: map[int]map[int]int{}, byCombination: map[string]*ent.SKU{}}
	}
	for _, sp := range specs {
		out[sp.GoodsID].specs = append(out[sp.GoodsID].specs, sp)
	}
	for _, k := range skus {
		v := out[k.GoodsID]
		choice := make(map[int]int, len(k.Edges.Options))
		for _, o := range k.Edges.Options {
			choice[o.SpecificationID] = o.ID
		}
		v.skuOptions[k.ID] = choice
		if k.Launched {
			v.byCombination[combination(choice)] = k
		}
	}
	return out, nil
}
