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

	"entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/category"
	"github.com/storefront/storefront/ent/goods"
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
		return l.fetchVariants(ctx, s, goodsIDs, nil)
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
func (l *Loaders) fetchVariants(ctx context.Context, s *Service, goodsIDs []int, goodsFields *graphql.CollectedField) (map[int]*variants, error) {
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
		got, err := s.loadVariants(ctx, need, goodsFields)
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
	// goods holds only the columns its first reader asked for (see
	// selectGoods): a description would otherwise be sent once per option.
	goods *ent.Goods
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

// prime reads the products of a page now, in the request's one variants
// read, so that their specifications resolve without another statement;
// goodsFields are what the page shows of the products (nil: nothing).
func (l *Loaders) prime(ctx context.Context, s *Service, goodsIDs []int, goodsFields *graphql.CollectedField) (map[int]*variants, error) {
	return l.fetchVariants(ctx, s, goodsIDs, goodsFields)
}

// Columns the variants statements add to the rows ent reads.
const (
	specIDColumn     = "catalog_spec_id"
	specNameColumn   = "catalog_spec_name"
	specSortColumn   = "catalog_spec_sort"
	optionIDColumn   = "catalog_option_id"
	optionValColumn  = "catalog_option_value"
	optionSortColumn = "catalog_option_sort"
)

// loadVariants reads the specifications and SKUs of many products in two
// statements: the products joined with their specifications and options (a
// row per option), and their SKUs joined with the SKU-option links (a row
// per link). ent builds the products and SKUs, so they are entities that
// can load further edges; the joined columns are read by name.
func (s *Service) loadVariants(ctx context.Context, goodsIDs []int, goodsFields *graphql.CollectedField) (map[int]*variants, error) {
	goodsIDs = slices.Compact(slices.Sorted(slices.Values(goodsIDs)))
	gq := s.client.Goods.Query().Where(goods.IDIn(goodsIDs...))
	if err := selectGoods(ctx, gq, goodsFields); err != nil {
		return nil, fmt.Errorf("catalog: goods fields: %w", err)
	}
	gq.Modify(func(sel *sql.Selector) {
		sp := sql.Table(goodsspecification.Table).As("catalog_spec")
		op := sql.Table(specificationoption.Table).As("catalog_option")
		sel.LeftJoin(sp).On(sel.C(goods.FieldID), sp.C(goodsspecification.FieldGoodsID)).
			LeftJoin(op).On(sp.C(goodsspecification.FieldID), op.C(specificationoption.FieldSpecificationID)).
			AppendSelectAs(sp.C(goodsspecification.FieldID), specIDColumn).
			AppendSelectAs(sp.C(goodsspecification.FieldName), specNameColumn).
			AppendSelectAs(sp.C(goodsspecification.FieldSort), specSortColumn).
			AppendSelectAs(op.C(specificationoption.FieldID), optionIDColumn).
			AppendSelectAs(op.C(specificationoption.FieldValue), optionValColumn).
			AppendSelectAs(op.C(specificationoption.FieldSort), optionSortColumn).
			OrderBy(sel.C(goods.FieldID), sp.C(goodsspecification.FieldSort), sp.C(goodsspecification.FieldID),
				op.C(specificationoption.FieldSort), op.C(specificationoption.FieldID))
	})
	rows, err := gq.All(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalog: specifications: %w", err)
	}
	out := make(map[int]*variants, len(goodsIDs))
	for _, g := range goodsIDs {
		out[g] = &variants{skuOptions: map[int]map[int]int{}, byCombination: map[string]*ent.SKU{}}
	}
	specOf := map[int]int{} // option id -> its specification's id
	for _, row := range rows {
		v := out[row.ID]
		if v.goods == nil {
			v.goods = row
		}
		sp, op, err := specRow(row)
		if err != nil {
			return nil, fmt.Errorf("catalog: specifications: %w", err)
		}
		if sp == nil {
			continue // a product without specifications
		}
		if n := len(v.specs); n == 0 || v.specs[n-1].ID != sp.ID {
			v.specs = append(v.specs, sp)
		}
		if op != nil {
			last := v.specs[len(v.specs)-1]
			last.Edges.Options = append(last.Edges.Options, op)
			specOf[op.ID] = sp.ID
		}
	}
	kq := s.client.SKU.Query().Where(sku.GoodsIDIn(goodsIDs...))
	kq.Modify(func(sel *sql.Selector) {
		link := sql.Table(sku.OptionsTable).As("catalog_link")
		sel.LeftJoin(link).On(sel.C(sku.FieldID), link.C(sku.OptionsPrimaryKey[0])).
			AppendSelectAs(link.C(sku.OptionsPrimaryKey[1]), optionIDColumn)
	})
	skus, err := kq.All(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalog: product skus: %w", err)
	}
	byID := map[int]*ent.SKU{}
	for _, row := range skus {
		v := out[row.GoodsID]
		k, seen := byID[row.ID]
		if !seen {
			k = row
			byID[k.ID] = k
			v.skuOptions[k.ID] = map[int]int{}
		}
		raw, err := row.Value(optionIDColumn)
		if err != nil {
			return nil, fmt.Errorf("catalog: product skus: %w", err)
		}
		if raw == nil {
			continue // a SKU without options
		}
		oid, err := intValue(raw)
		if err != nil {
			return nil, fmt.Errorf("catalog: product skus: %w", err)
		}
		v.skuOptions[k.ID][specOf[oid]] = oid
	}
	for _, k := range byID {
		if k.Launched {
			v := out[k.GoodsID]
			v.byCombination[combination(v.skuOptions[k.ID])] = k
		}
	}
	return out, nil
}

// specRow reads the specification and option columns of one product row;
// nil where the LEFT JOIN found none.
func specRow(row *ent.Goods) (*ent.GoodsSpecification, *ent.SpecificationOption, error) {
	vals := map[string]any{}
	for _, c := range []string{specIDColumn, specNameColumn, specSortColumn, optionIDColumn, optionValColumn, optionSortColumn} {
		v, err := row.Value(c)
		if err != nil {
			return nil, nil, err
		}
		vals[c] = v
	}
	if vals[specIDColumn] == nil {
		return nil, nil, nil
	}
	var sp ent.GoodsSpecification
	var err error
	sp.GoodsID = row.ID
	if sp.ID, err = intValue(vals[specIDColumn]); err != nil {
		return nil, nil, err
	}
	if sp.Name, err = stringValue(vals[specNameColumn]); err != nil {
		return nil, nil, err
	}
	if sp.Sort, err = intValue(vals[specSortColumn]); err != nil {
		return nil, nil, err
	}
	sp.Edges.Options = []*ent.SpecificationOption{}
	if vals[optionIDColumn] == nil {
		return &sp, nil, nil
	}
	op := ent.SpecificationOption{SpecificationID: sp.ID}
	if op.ID, err = intValue(vals[optionIDColumn]); err != nil {
		return nil, nil, err
	}
	if op.Value, err = stringValue(vals[optionValColumn]); err != nil {
		return nil, nil, err
	}
	if op.Sort, err = intValue(vals[optionSortColumn]); err != nil {
		return nil, nil, err
	}
	return &sp, &op, nil
}
