package catalog

import (
	"context"
	"fmt"
	"strconv"

	"entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/goods"
	"github.com/storefront/storefront/ent/predicate"
	"github.com/storefront/storefront/ent/sku"
	"github.com/storefront/storefront/internal/paging"
)

// totalCountColumn carries the page's total on each of its rows.
const totalCountColumn = "catalog_total_count"

// selection is what a request asks of a SKU page, as far as the SQL it costs
// depends on it.
type selection struct {
	totalCount bool
	// node is the merged selection of edges.node; nil when no edges are
	// asked for.
	node []graphql.CollectedField
	// goods and specifications are selected on the nodes; flatGoods when
	// every goods selection is plain fields (no edges of its own).
	goods, specifications, flatGoods bool
	// goodsFields merges the selections of goods (under any alias).
	goodsFields graphql.CollectedField
}

// selectionOf reads ctx's field (the skus connection) the way ent's
// Paginate does: edges and node by alias. Outside a GraphQL request it
// selects nothing, and the caller falls back to Paginate, which then loads
// everything.
func selectionOf(ctx context.Context) selection {
	var sel selection
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !graphql.HasOperationContext(ctx) {
		return sel
	}
	oc := graphql.GetOperationContext(ctx)
	var edges *graphql.CollectedField
	for _, f := range graphql.CollectFields(oc, fc.Field.Selections, nil) {
		switch f.Alias {
		case "totalCount":
			sel.totalCount = true
		case "edges":
			edges = &f
		}
	}
	if edges == nil {
		return sel
	}
	for _, f := range graphql.CollectFields(oc, edges.Selections, nil) {
		if f.Alias == "node" {
			sel.node = graphql.CollectFields(oc, f.Selections, nil)
		}
	}
	sel.flatGoods = true
	for _, f := range sel.node {
		switch f.Name {
		case "goods":
			if !sel.goods {
				sel.goodsFields.Field = f.Field
			}
			sel.goods = true
			sel.goodsFields.Selections = append(sel.goodsFields.Selections, f.Selections...)
			for _, g := range graphql.CollectFields(oc, f.Selections, nil) {
				if len(g.Selections) > 0 {
					sel.flatGoods = false
				}
			}
		case "specifications":
			sel.specifications = true
		}
	}
	return sel
}

// withNodeSelection returns ctx with the skus field's selection replaced by
// edges { node { ... } } holding the fields of node except goods (and
// category when the caller has the categories), plus their ids: ent's
// Paginate then reads the columns and edges it would have, but neither
// counts (the page's rows carry the total, see withTotalCount) nor loads
// what the caller has or reads better (loadVariants reads the goods with
// their specifications).
func withNodeSelection(ctx context.Context, node []graphql.CollectedField, haveCategories bool) context.Context {
	fields := ast.SelectionSet{
		&ast.Field{Alias: "goodsID", Name: "goodsID"},
		&ast.Field{Alias: "categoryID", Name: "categoryID"},
	}
	for _, f := range node {
		if f.Name == "goods" || (haveCategories && f.Name == "category") {
			continue
		}
		fields = append(fields, &ast.Field{
			Alias: f.Alias, Name: f.Name, Arguments: f.Arguments,
			Definition: f.Definition, ObjectDefinition: f.ObjectDefinition,
			SelectionSet: f.Selections,
		})
	}
	fc := *graphql.GetFieldContext(ctx)
	fc.Field = graphql.CollectedField{
		Field: fc.Field.Field,
		Selections: ast.SelectionSet{&ast.Field{Alias: "edges", Name: "edges", SelectionSet: ast.SelectionSet{
			&ast.Field{Alias: "node", Name: "node", SelectionSet: fields},
		}}},
	}
	return graphql.WithFieldContext(ctx, &fc)
}

// withTotalCount makes every row of the page carry how many SKUs match preds
// (without the cursors), so totalCount costs no statement when the page has
// rows.
func withTotalCount(q *ent.SKUQuery, preds []predicate.SKU) {
	q.Modify(func(s *sql.Selector) {
		t := sql.Table(sku.Table).As("catalog_count")
		count := sql.Dialect(s.Dialect()).Select(sql.Count("*")).From(t)
		for _, p := range preds {
			p(count)
		}
		s.AppendSelectExprAs(count, totalCountColumn)
	})
}

// fastPage is SKUs for a request that selects the page's nodes: one
// statement for the page and its total, one for the categories (the
// subtree's read when filtering by category, else ent's eager loading), and
// loadVariants' two for the goods, their specifications and the
// option-to-SKU map.
func (s *Service) fastPage(ctx context.Context, sel selection, page paging.Args, preds []predicate.SKU, cats map[int]*ent.Category, order *ent.SKUOrder) (*ent.SKUConnection, error) {
	q := s.client.SKU.Query().Where(preds...)
	if sel.totalCount {
		withTotalCount(q, preds)
	}
	conn, err := q.Paginate(withNodeSelection(ctx, sel.node, cats != nil), page.After, page.First, page.Before, page.Last, ent.WithSKUOrder(order))
	if err != nil {
		return nil, fmt.Errorf("catalog: skus page: %w", err)
	}
	for _, e := range conn.Edges {
		if c, ok := cats[e.Node.CategoryID]; ok {
			e.Node.Edges.Category = c
		}
	}
	if len(conn.Edges) == 0 {
		if sel.totalCount {
			// Past the last page the total has no row to ride on.
			if conn.TotalCount, err = s.client.SKU.Query().Where(preds...).Count(ctx); err != nil {
				return nil, fmt.Errorf("catalog: skus count: %w", err)
			}
		}
		return conn, nil
	}
	if sel.totalCount {
		v, err := conn.Edges[0].Node.Value(totalCountColumn)
		if err != nil {
			return nil, fmt.Errorf("catalog: skus count: %w", err)
		}
		if conn.TotalCount, err = intValue(v); err != nil {
			return nil, fmt.Errorf("catalog: skus count: %w", err)
		}
	}
	if !sel.goods && !sel.specifications {
		return conn, nil
	}
	goodsIDs := make([]int, 0, len(conn.Edges))
	for _, e := range conn.Edges {
		goodsIDs = append(goodsIDs, e.Node.GoodsID)
	}
	var goodsFields *graphql.CollectedField
	if sel.goods {
		goodsFields = &sel.goodsFields
	}
	vs, err := s.loaders(ctx).prime(ctx, s, goodsIDs, goodsFields)
	if err != nil {
		return nil, err
	}
	for _, e := range conn.Edges {
		e.Node.Edges.Goods = vs[e.Node.GoodsID].goods
	}
	return conn, nil
}

// selectGoods narrows gq to the columns fields asks for (just the id when
// nil), the way ent's CollectFields narrows the query of a selected edge.
func selectGoods(ctx context.Context, gq *ent.GoodsQuery, fields *graphql.CollectedField) error {
	fc := graphql.GetFieldContext(ctx)
	if fields == nil || fc == nil {
		gq.Select(goods.FieldID)
		return nil
	}
	goodsCtx := *fc
	goodsCtx.Field = *fields
	_, err := gq.CollectFields(graphql.WithFieldContext(ctx, &goodsCtx))
	return err
}

// intValue reads a number scanned without a known type: drivers give int64,
// or the text of the number.
func intValue(v any) (int, error) {
	switch v := v.(type) {
	case int64:
		return int(v), nil
	case int:
		return v, nil
	case []byte:
		return strconv.Atoi(string(v))
	case string:
		return strconv.Atoi(v)
	}
	return 0, fmt.Errorf("unexpected %T", v)
}

func stringValue(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	}
	return "", fmt.Errorf("unexpected %T", v)
}
