package graph

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/graph/generated"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/hotskus"
	"github.com/storefront/storefront/internal/money"
	"github.com/storefront/storefront/internal/orderstate"
	"github.com/storefront/storefront/internal/paging"
	"github.com/storefront/storefront/internal/search"
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

// pageCost is a connection's cost: its children times the rows its page
// can hold.
func pageCost(child int, first, last *int) int {
	return 1 + child*max(paging.Args{First: first, Last: last}.Size(), 1)
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
	// Each id is a lookup, priced like one node(id:) field, so aliasing
	// nodes costs what as many node fields would.
	c.Query.Nodes = func(child int, ids []int) int { return max(len(ids), 1) * (1 + child) }
	c.Query.Categories = func(child int) int { return 1 + child*childrenPerParent }
	c.Category.Children = func(child int) int { return 1 + child*childrenPerParent }
	// The most children an area has (a province's districts are asked
	// through its cities): under 100.
	c.Query.Areas = func(child int, _ *string) int { return 1 + child*100 }
	// The menu is served whole from a cache: its size is the shop's, not
	// the document's, so its lists are not multiplied.
	c.Query.Menu = func(child int) int { return 1 + child*10 }
	c.Query.SearchSkus = func(child int, _ string, _ *int, _, _ *money.Fen, _ *search.Order, first *int, _ *string) int {
		return 1 + child*max(paging.Args{First: first}.Size(), 1)
	}
	c.Category.HotSkus = func(child, first int) int { return 1 + child*min(max(first, 1), hotskus.Max) }
	c.Query.HotSkus = func(child, _, first int) int { return 1 + child*min(max(first, 1), hotskus.Max) }
	c.SKU.Specifications = func(child int) int { return 1 + child*specsPerProduct }
	c.SkuSpecification.Options = func(child int) int { return 1 + child*optionsPerSpec }
	c.Goods.Specifications = func(child int) int { return 1 + child*specsPerProduct }
	c.GoodsSpecification.Options = func(child int) int { return 1 + child*optionsPerSpec }
	return c
}

// fieldBudget bounds how many calls of some costly fields one operation may
// make, whatever its aliases and fragments: each password-hashing field
// costs tens of milliseconds of CPU and memory, each availability check a
// query that tells whether an account exists, each captcha a PNG drawn.
type fieldBudget struct {
	what string
	max  int
}

var (
	passwordHashing   = &fieldBudget{what: "password-hashing fields", max: 1}
	availabilityCheck = &fieldBudget{what: "availability checks", max: 3}
	captchaDrawing    = &fieldBudget{what: "captchas", max: 1}
	// Each sends an SMS or a mail, spends a captcha or a one-time token,
	// or asks QQ: one step of one flow per document.
	verification = &fieldBudget{what: "verification fields (SMS, email, QQ)", max: 1}
	// Each runs the search engine over the whole catalog (matches, facets,
	// the rerank of the best 100), whatever page it asks for: a search
	// page, a suggestion box and a recommendation strip at most.
	searches = &fieldBudget{what: "searches", max: 3}
	// Each is a cache read, and a statement when it misses: a home page
	// shows a strip for each of its channels, not a thousand.
	hotListsByID = &fieldBudget{what: "hotSkus(categoryId:) lists", max: 10}
)

// budgeted lists the fields that draw on a budget, as Type.field.
var budgeted = []struct {
	field  string
	budget *fieldBudget
}{
	{"Mutation.login", passwordHashing},
	{"Mutation.register", passwordHashing},
	{"Mutation.refreshToken", passwordHashing},
	{"Mutation.changePassword", passwordHashing},
	{"Query.usernameAvailable", availabilityCheck},
	{"Query.mobileAvailable", availabilityCheck},
	{"Mutation.captcha", captchaDrawing},
	{"Mutation.loginBySms", passwordHashing},
	{"Mutation.resetPassword", passwordHashing},
	{"Mutation.bindQq", passwordHashing},
	{"Mutation.sendSmsCode", verification},
	{"Mutation.startPasswordReset", verification},
	{"Mutation.checkPasswordResetCode", verification},
	{"Mutation.setEmail", verification},
	{"Mutation.verifyEmail", verification},
	{"Mutation.qqLoginUrl", verification},
	{"Mutation.qqLogin", verification},
	{"Query.searchSkus", searches},
	{"Query.hotSkus", hotListsByID},
}

// limitsExtension refuses, before any resolver runs, an operation nested
// deeper than MaxDepth, one calling budgeted fields more often than their
// budget, and one costing more than MaxComplexity. It measures all three in
// one walk that measures each fragment once: a small document whose
// fragments spread each other twice names 2^n fields, and walking every
// spread (as gqlgen's complexity extension does) would take hours.
type limitsExtension struct {
	limits Limits
	es     graphql.ExecutableSchema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &limitsExtension{}

func (*limitsExtension) ExtensionName() string { return "QueryLimits" }

func (l *limitsExtension) Validate(es graphql.ExecutableSchema) error {
	l.es = es
	return nil
}

func (l *limitsExtension) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	m := newMeter(ctx, l.es, oc.Variables, l.limits.MaxComplexity)
	sum := m.selectionSet(oc.Operation.SelectionSet)
	if sum.depth > l.limits.MaxDepth {
		err := gqlerror.Errorf("operation is nested %d levels deep, more than the limit of %d", sum.depth, l.limits.MaxDepth)
		err.Extensions = map[string]any{"code": apperr.CodeDepthLimit}
		return err
	}
	if err := overBudget(sum.calls); err != nil {
		return err
	}
	if sum.cost > l.limits.MaxComplexity {
		err := gqlerror.Errorf("operation costs more than the limit of %d", l.limits.MaxComplexity)
		err.Extensions = map[string]any{"code": apperr.CodeComplexityLimit}
		return err
	}
	return nil
}

// overBudget reports the first budget that calls exceeds, naming the field
// called most often.
func overBudget(calls map[string]int) *gqlerror.Error {
	used := map[*fieldBudget]int{}
	for _, b := range budgeted {
		used[b.budget] = saturatingAdd(used[b.budget], calls[b.field], maxCalls)
	}
	for _, b := range budgeted {
		if used[b.budget] <= b.budget.max {
			continue
		}
		var names []string
		top := b.field
		for _, o := range budgeted {
			if o.budget == b.budget {
				names = append(names, fieldName(o.field))
				if calls[o.field] > calls[top] {
					top = o.field
				}
			}
		}
		err := gqlerror.Errorf("one request may call at most %d of its %s (%s)", b.budget.max, b.budget.what, strings.Join(names, ", "))
		err.Extensions = map[string]any{"code": apperr.CodeFieldLimit, "field": fieldName(top), "limit": b.budget.max}
		return err
	}
	return nil
}

func fieldName(typeField string) string {
	_, name, _ := strings.Cut(typeField, ".")
	return name
}

// maxCalls bounds call counts: a fragment spread 2^n times counts its
// fields that often.
const maxCalls = 1 << 30

// measure is what a selection set asks for.
type measure struct {
	depth int
	cost  int
	// calls counts budgeted fields by Type.field.
	calls map[string]int
}

// meter measures selection sets, each fragment once.
type meter struct {
	ctx    context.Context
	es     graphql.ExecutableSchema
	schema *ast.Schema
	vars   map[string]any
	// costCap is one more than the complexity limit: costs saturate there,
	// which keeps every verdict (costs only grow from child to parent) and
	// keeps the complexity functions' products far from overflowing.
	costCap   int
	fragments map[*ast.FragmentDefinition]*measure
	budgeted  map[string]bool
}

func newMeter(ctx context.Context, es graphql.ExecutableSchema, vars map[string]any, maxCost int) *meter {
	m := &meter{
		ctx: ctx, es: es, schema: es.Schema(), vars: vars,
		costCap:   saturatingAdd(maxCost, 1, math.MaxInt),
		fragments: map[*ast.FragmentDefinition]*measure{},
		budgeted:  map[string]bool{},
	}
	for _, b := range budgeted {
		m.budgeted[b.field] = true
	}
	return m
}

// selectionSet measures set. Costs follow gqlgen's complexity calculation
// (the per-field functions of complexity(), otherwise 1 plus the children;
// __schema is free); depth leaves out __schema and __type, whose nesting the
// schema itself bounds.
func (m *meter) selectionSet(set ast.SelectionSet) measure {
	var sum measure
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			m.add(&sum, m.field(s))
		case *ast.InlineFragment:
			m.add(&sum, m.selectionSet(s.SelectionSet))
		case *ast.FragmentSpread:
			if s.Definition == nil {
				continue
			}
			f, ok := m.fragments[s.Definition]
			if !ok {
				// Validation refuses fragment cycles; the placeholder
				// would end one anyway.
				m.fragments[s.Definition] = &measure{}
				got := m.selectionSet(s.Definition.SelectionSet)
				f = &got
				m.fragments[s.Definition] = f
			}
			m.add(&sum, *f)
		}
	}
	return sum
}

func (m *meter) field(f *ast.Field) measure {
	if f.Definition == nil || f.ObjectDefinition == nil {
		return measure{}
	}
	typ := m.schema.Types[f.Definition.Type.Name()]
	if typ == nil || typ.Name == "__Schema" {
		return measure{}
	}
	var child measure
	switch typ.Kind {
	case ast.Object, ast.Interface, ast.Union:
		child = m.selectionSet(f.SelectionSet)
	}
	out := measure{depth: child.depth + 1, calls: child.calls}
	if f.Name == "__type" {
		out.depth = 0
	}
	args := f.ArgumentMap(m.vars)
	if f.ObjectDefinition.Kind == ast.Interface {
		// An interface field costs what its dearest implementation does.
		for _, impl := range m.schema.GetPossibleTypes(f.ObjectDefinition) {
			out.cost = max(out.cost, m.fieldCost(impl.Name, f.Name, child.cost, args))
		}
	} else {
		out.cost = m.fieldCost(f.ObjectDefinition.Name, f.Name, child.cost, args)
	}
	if key := f.ObjectDefinition.Name + "." + f.Name; m.budgeted[key] {
		out.calls = addCalls(out.calls, map[string]int{key: 1})
	}
	return out
}

func (m *meter) fieldCost(typeName, field string, child int, args map[string]any) int {
	if c, ok := m.es.Complexity(m.ctx, typeName, field, child, args); ok && c >= 1 {
		return min(c, m.costCap)
	}
	return saturatingAdd(1, child, m.costCap)
}

func (m *meter) add(sum *measure, x measure) {
	sum.depth = max(sum.depth, x.depth)
	sum.cost = saturatingAdd(sum.cost, x.cost, m.costCap)
	sum.calls = addCalls(sum.calls, x.calls)
}

// addCalls returns a plus b; it never changes a map it was given, since
// measures of fragments are shared.
func addCalls(a, b map[string]int) map[string]int {
	if len(b) == 0 {
		return a
	}
	out := make(map[string]int, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = saturatingAdd(out[k], v, maxCalls)
	}
	return out
}

// saturatingAdd returns min(a+b, limit) for non-negative a and b.
func saturatingAdd(a, b, limit int) int {
	if b > limit-a {
		return limit
	}
	return min(a+b, limit)
}
