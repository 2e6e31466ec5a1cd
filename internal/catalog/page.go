package catalog

import (
	"context"
	"fmt"
	"strconv"

	"entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/category"
	"github.com/storefront/storefront/ent/predicate"
	"github.com/storefront/storefront/ent/sku"
	"github.com/storefront/storefront/internal/apperr"
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
			sel.goods = true
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
// edges { node { ... } } holding the fields of node except goods, plus
// goodsID: ent's Paginate then reads exactly the columns and edges it would
// have, but neither counts (the page query does, see pageCount) nor loads
// the goods (loadVariants reads them with their specifications).
func withNodeSelection(ctx context.Context, node []graphql.CollectedField) context.Context {
	fields := ast.SelectionSet{&ast.Field{Alias: "goodsID", Name: "goodsID"}}
	for _, f := range node {
		if f.Name == "goods" {
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

// inSubtree keeps SKUs of root or of any descendant. The tree is walked in
// the statement itself (a recursive CTE, which MariaDB and SQLite both
// run), so filtering by category costs no statement of its own; UNION
// rather than UNION ALL ends the walk even if bad data made a cycle.
func inSubtree(root int) predicate.SKU {
	return func(s *sql.Selector) {
		s.Where(sql.P(func(b *sql.Builder) {
			b.Ident(s.C(sku.FieldCategoryID)).WriteString(" IN (WITH RECURSIVE ").
				Ident("catalog_subtree").WriteString(" AS (SELECT ").Ident(category.FieldID).
				WriteString(" FROM ").Ident(category.Table).WriteString(" WHERE ").Ident(category.FieldID).
				WriteString(" = ").Arg(root).
				WriteString(" UNION SELECT c.").Ident(category.FieldID).WriteString(" FROM ").Ident(category.Table).
				WriteString(" c JOIN ").Ident("catalog_subtree").WriteString(" t ON c.").Ident(category.FieldParentID).
				WriteString(" = t.").Ident(category.FieldID).WriteString(") SELECT ").Ident(category.FieldID).
				WriteString(" FROM ").Ident("catalog_subtree").WriteString(")")
		}))
	}
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
// statement for the page and its total, ent's eager loading for the
// category, and loadVariants' two for the goods, their specifications and
// the option-to-SKU map.
func (s *Service) fastPage(ctx context.Context, sel selection, page paging.Args, preds []predicate.SKU, root *int, order *ent.SKUOrder) (*ent.SKUConnection, error) {
	q := s.client.SKU.Query().Where(preds...)
	if sel.totalCount {
		withTotalCount(q, preds)
	}
	conn, err := q.Paginate(withNodeSelection(ctx, sel.node), page.After, page.First, page.Before, page.Last, ent.WithSKUOrder(order))
	if err != nil {
		return nil, fmt.Errorf("catalog: skus page: %w", err)
	}
	if len(conn.Edges) == 0 {
		if err := s.checkCategory(ctx, root); err != nil {
			return nil, err
		}
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
	vs, err := s.loaders(ctx).prime(ctx, s, goodsIDs)
	if err != nil {
		return nil, err
	}
	for _, e := range conn.Edges {
		e.Node.Edges.Goods = vs[e.Node.GoodsID].goods
	}
	return conn, nil
}

// checkCategory makes an unknown category NOT_FOUND rather than an empty
// page, so a client with a stale id learns it. Only an empty page asks:
// a SKU on the page proves the category exists.
func (s *Service) checkCategory(ctx context.Context, root *int) error {
	if root == nil {
		return nil
	}
	found, err := s.client.Category.Query().Where(category.ID(*root)).Exist(ctx)
	if err != nil {
		return fmt.Errorf("catalog: category %d: %w", *root, err)
	}
	if !found {
		return apperr.NotFound("category")
	}
	return nil
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
