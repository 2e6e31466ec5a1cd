// Package catalog is what shoppers browse: the category tree, launched SKUs
// page by page, and the specifications that lead from one SKU to its
// siblings. It reads only; stock and sales change in internal/stock, for
// orders, cancellations and a partner's adjustStock alike.
//
// Listing anything per item (children of a category, specifications of a SKU)
// goes through request-scoped loaders (see Loaders), so a page of N SKUs costs
// a fixed number of SQL queries whatever N is. The catalog page itself (SKUs
// with total, category, goods and specification map) is four statements:
// see SKUs and fastPage.
package catalog

import (
	"context"
	"fmt"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/category"
	"github.com/storefront/storefront/ent/goods"
	"github.com/storefront/storefront/ent/goodsspecification"
	"github.com/storefront/storefront/ent/predicate"
	"github.com/storefront/storefront/ent/sku"
	"github.com/storefront/storefront/ent/specificationoption"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/paging"
)

// Service answers catalog queries.
type Service struct {
	client *ent.Client
}

// New returns a catalog over client.
func New(client *ent.Client) *Service {
	return &Service{client: client}
}

// Roots returns the top-level categories in display order.
func (s *Service) Roots(ctx context.Context) ([]*ent.Category, error) {
	roots, err := s.client.Category.Query().
		Where(category.ParentIDIsNil()).
		Order(ent.Asc(category.FieldSort), ent.Asc(category.FieldID)).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalog: root categories: %w", err)
	}
	return roots, nil
}

// SKUFilter narrows a SKU listing.
type SKUFilter struct {
	// CategoryID, when set, keeps SKUs of that category or any descendant.
	CategoryID *int
}

// SKUs returns a page of launched SKUs. A request that selects the nodes
// gets them from fastPage: a page of any size with its total, category,
// goods and specification map is four statements. Otherwise (only
// totalCount or pageInfo, nested edges under goods, calls from outside
// GraphQL) ent's Paginate loads what is selected, as it always has.
func (s *Service) SKUs(ctx context.Context, page paging.Args, filter SKUFilter, order *ent.SKUOrder) (*ent.SKUConnection, error) {
	preds := []predicate.SKU{sku.Launched(true)}
	var cats map[int]*ent.Category
	if filter.CategoryID != nil {
		ids, byID, err := s.subtree(ctx, *filter.CategoryID)
		if err != nil {
			return nil, err
		}
		preds, cats = append(preds, sku.CategoryIDIn(ids...)), byID
	}
	sel := selectionOf(ctx)
	if sel.node != nil && sel.flatGoods {
		return s.fastPage(ctx, sel, page, preds, cats, order)
	}
	conn, err := s.client.SKU.Query().Where(preds...).
		Paginate(ctx, page.After, page.First, page.Before, page.Last, ent.WithSKUOrder(order))
	if err != nil {
		return nil, fmt.Errorf("catalog: skus page: %w", err)
	}
	goods := make([]int, 0, len(conn.Edges))
	for _, e := range conn.Edges {
		goods = append(goods, e.Node.GoodsID)
	}
	s.loaders(ctx).expectGoods(goods)
	return conn, nil
}

// subtree returns the id of a category and of all its descendants, and
// those categories by id (the page's SKUs are all in them, so their
// category costs no statement); an unknown category is NOT_FOUND rather
// than an empty page, so a client with a stale id learns it. The tree is
// small (hundreds of rows), so it is read whole in one query instead of one
// query per level, and the page's filter is a plain list of ids that the
// category indexes serve.
func (s *Service) subtree(ctx context.Context, root int) ([]int, map[int]*ent.Category, error) {
	all, err := s.client.Category.Query().All(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: category tree: %w", err)
	}
	children := make(map[int][]int, len(all))
	byID := make(map[int]*ent.Category, len(all))
	for _, c := range all {
		byID[c.ID] = c
		if c.ParentID != nil {
			children[*c.ParentID] = append(children[*c.ParentID], c.ID)
		}
	}
	if byID[root] == nil {
		return nil, nil, apperr.NotFound("category")
	}
	ids := []int{root}
	for i := 0; i < len(ids); i++ {
		ids = append(ids, children[ids[i]]...)
	}
	inTree := make(map[int]*ent.Category, len(ids))
	for _, id := range ids {
		inTree[id] = byID[id]
	}
	return ids, inTree, nil
}

// SKU returns a launched SKU. An unlaunched one is NOT_FOUND: shoppers
// cannot tell it from one that never existed.
func (s *Service) SKU(ctx context.Context, id int) (*ent.SKU, error) {
	q := s.client.SKU.Query().Where(sku.ID(id), sku.Launched(true))
	q, err := q.CollectFields(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalog: sku fields: %w", err)
	}
	found, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.NotFound("SKU")
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: sku %d: %w", id, err)
	}
	return found, nil
}

// VisibleIDs returns those of ids, all rows of table, that may be shown to
// anyone: every category, product, specification and option, a SKU only
// while launched (one query for any number of SKUs). Other tables are not
// the catalog's to judge and show nothing.
func (s *Service) VisibleIDs(ctx context.Context, table string, ids []int) ([]int, error) {
	switch table {
	case category.Table, goods.Table, goodsspecification.Table, specificationoption.Table:
		return ids, nil
	case sku.Table:
		launched, err := s.client.SKU.Query().Where(sku.IDIn(ids...), sku.Launched(true)).IDs(ctx)
		if err != nil {
			return nil, fmt.Errorf("catalog: launched skus: %w", err)
		}
		return launched, nil
	}
	return nil, nil
}
