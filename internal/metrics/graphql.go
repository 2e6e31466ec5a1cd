package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/storefront/storefront/internal/apperr"
)

// maxOperationNames bounds the operation label: the client names its
// operations, and a label per name would let anyone grow the registry
// without end. Names past the first ones seen are counted as "other".
const maxOperationNames = 200

// codeOK labels an answer without errors.
const codeOK = "OK"

type graphQLMetrics struct {
	operations *prometheus.HistogramVec
	fields     *prometheus.CounterVec

	mu    sync.Mutex
	names map[string]bool
}

func newGraphQLMetrics() *graphQLMetrics {
	return &graphQLMetrics{
		operations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "storefront_graphql_operation_duration_seconds",
			Help: "GraphQL operations (its _count is the number of requests) by operation name, type and result: OK or the first error's extensions.code.",
			// From a cached cart read to a checkout under a flash sale.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation", "type", "code"}),
		fields: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storefront_graphql_root_field_results_total",
			Help: "Root fields (placeOrder, payOrder, addToCart...) by result: OK or extensions.code; placeOrder's are the orders placed and refused.",
		}, []string{"type", "field", "code"}),
		names: map[string]bool{},
	}
}

func (g *graphQLMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{g.operations, g.fields}
}

// GraphQL returns the extension that counts operations and root fields;
// the GraphQL handler uses it.
func (m *Metrics) GraphQL() graphql.HandlerExtension { return m.graphql }

var (
	_ graphql.HandlerExtension    = (*graphQLMetrics)(nil)
	_ graphql.ResponseInterceptor = (*graphQLMetrics)(nil)
	_ graphql.FieldInterceptor    = (*graphQLMetrics)(nil)
)

func (g *graphQLMetrics) ExtensionName() string                   { return "Metrics" }
func (g *graphQLMetrics) Validate(graphql.ExecutableSchema) error { return nil }

func (g *graphQLMetrics) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	start := oc.Stats.OperationStart
	if start.IsZero() {
		start = time.Now()
	}
	resp := next(ctx)
	if resp == nil {
		return resp
	}
	op, typ := "", "unparsed"
	if oc.Operation != nil {
		op, typ = oc.Operation.Name, string(oc.Operation.Operation)
	}
	code := codeOK
	if len(resp.Errors) > 0 {
		code = "INTERNAL_SERVER_ERROR"
		if c, ok := resp.Errors[0].Extensions["code"].(string); ok {
			code = c
		}
	}
	g.operations.WithLabelValues(g.boundedName(op), typ, code).Observe(time.Since(start).Seconds())
	return resp
}

func (g *graphQLMetrics) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || (fc.Object != "Mutation" && fc.Object != "Query") {
		return next(ctx)
	}
	res, err := next(ctx)
	code := codeOK
	if err != nil {
		code = apperr.CodeOf(err)
		if code == "" {
			code = "INTERNAL_SERVER_ERROR"
		}
	}
	// The field's name, not its alias: the schema bounds the names.
	g.fields.WithLabelValues(fc.Object, fc.Field.Name, code).Inc()
	return res, err
}

// boundedName returns name as a label, or "other" once maxOperationNames
// distinct names have been seen; an anonymous operation is "anonymous".
func (g *graphQLMetrics) boundedName(name string) string {
	if name == "" {
		return "anonymous"
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.names[name] {
		return name
	}
	if len(g.names) >= maxOperationNames {
		return "other"
	}
	g.names[name] = true
	return name
}
