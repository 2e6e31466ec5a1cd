package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/graph/generated"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/orderstate"
	"github.com/storefront/storefront/internal/paging"
)

// Limits bound what one request may ask for.
type Limits struct {
	// MaxDepth is the deepest selection nesting allowed (introspection
	// fields excepted: their depth is bounded by the schema itself).
	MaxDepth int
	// MaxComplexity is the highest query cost allowed; list fields cost
	// their children times how many items they can return.
	MaxComplexity int
	// MaxTokens bounds the parser's work on one document.
	MaxTokens int
}

// DefaultLimits allow a catalog page of 100 SKUs with their specifications
// and refuse anything much bigger.
var DefaultLimits = Limits{MaxDepth: 12, MaxComplexity: 20000, MaxTokens: 15000}

// Expected upper bounds of lists whose length the client does not choose.
const (
	specsPerProduct   = 4
	optionsPerSpec    = 8
	childrenPerParent = 20
)

func pageCost(child int, first, last *int) int {
	n := paging.DefaultPageSize
	switch {
	case first != nil:
		n = *first
	case last != nil:
		n = *last
	}
	return 1 + child*max(n, 1)
}

// complexity costs list fields by how many items they can return. The
// default cost (1 + children) would price a 100-item page like a single one.
func complexity() generated.ComplexityRoot {
	var c generated.ComplexityRoot
	c.Query.Skus = func(child int, _ *paging.Cursor, first *int, _ *paging.Cursor, last *int, _ *int, _ *ent.SKUOrder) int {
		return pageCost(child, first, last)
	}
	c.Query.MyOrders = func(child int, _ *paging.Cursor, first *int, _ *paging.Cursor, last *int, _ []orderstate.Status) int {
		return pageCost(child, first, last)
	}
	c.Query.Orders = func(child int, _ *paging.Cursor, first *int, _ *paging.Cursor, last *int, _ []orderstate.Status, _ *time.Time, _ *time.Time) int {
		return pageCost(child, first, last)
	}
	c.SKU.Comments = func(child int, _ *paging.Cursor, first *int, _ *paging.Cursor, last *int) int {
		return pageCost(child, first, last)
	}
	c.Query.Nodes = func(child int, ids []int) int { return 1 + child*max(len(ids), 1) }
	c.Query.Categories = func(child int) int { return 1 + child*childrenPerParent }
	c.Category.Children = func(child int) int { return 1 + child*childrenPerParent }
	c.SKU.Specifications = func(child int) int { return 1 + child*specsPerProduct }
	c.SkuSpecification.Options = func(child int) int { return 1 + child*optionsPerSpec }
	c.Goods.Specifications = func(child int) int { return 1 + child*specsPerProduct }
	c.GoodsSpecification.Options = func(child int) int { return 1 + child*optionsPerSpec }
	return c
}

// depthLimit refuses operations nested deeper than max, before anything runs.
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if depth := selectionDepth(oc.Operation.SelectionSet, 0, d.max); depth > d.max {
		err := gqlerror.Errorf("operation is nested %d levels deep, more than the limit of %d", depth, d.max)
		err.Extensions = map[string]any{"code": apperr.CodeDepthLimit}
		return err
	}
	return nil
}

// selectionDepth returns the depth of set, stopping as soon as it exceeds
// limit so a pathological document costs little to reject.
func selectionDepth(set ast.SelectionSet, depth, limit int) int {
	if depth > limit {
		return depth
	}
	deepest := depth
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				continue
			}
			d = selectionDepth(s.SelectionSet, depth+1, limit)
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, depth, limit)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				d = selectionDepth(s.Definition.SelectionSet, depth, limit)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}
