package telemetry

import (
	"context"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

const scope = "github.com/storefront/storefront/internal/telemetry"

// GraphQL is the gqlgen extension (handler.Server.Use) that spans each
// operation, named "<type> <name>" ("mutation PlaceOrder"; the type alone
// for an anonymous one), and each root field's resolver ("Mutation.placeOrder").
// Nested resolvers get none: a list of a hundred products would make
// hundreds of spans, and their SQL spans already say where the time went.
// Register it first, so the operation span covers the other extensions.
type GraphQL struct{}

var (
	_ graphql.HandlerExtension     = GraphQL{}
	_ graphql.OperationInterceptor = GraphQL{}
	_ graphql.FieldInterceptor     = GraphQL{}
)

var gqlTracer = Inherited().Tracer(scope)

// ExtensionName names the extension in gqlgen's stats.
func (GraphQL) ExtensionName() string { return "Tracing" }

// Validate accepts every schema.
func (GraphQL) Validate(graphql.ExecutableSchema) error { return nil }

// Semantic-convention attribute keys of GraphQL spans.
const (
	attrOperationType = attribute.Key("graphql.operation.type")
	attrOperationName = attribute.Key("graphql.operation.name")
	attrErrorCodes    = attribute.Key("graphql.error.codes")
)

// InterceptOperation spans the operation, from before the other
// extensions run to its (first) response.
func (GraphQL) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if !Recording(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	kind := "query"
	if oc.Operation != nil {
		kind = string(oc.Operation.Operation)
	}
	name := kind
	attrs := []attribute.KeyValue{attrOperationType.String(kind)}
	if oc.OperationName != "" || oc.Operation != nil && oc.Operation.Name != "" {
		opName := oc.OperationName
		if opName == "" {
			opName = oc.Operation.Name
		}
		name += " " + opName
		attrs = append(attrs, attrOperationName.String(opName))
	}
	ctx, span := gqlTracer.Start(ctx, name, trace.WithAttributes(attrs...))
	responses := next(ctx)
	ended := false
	return func(ctx context.Context) *graphql.Response {
		resp := responses(ctx)
		if !ended && (resp == nil || resp.HasNext == nil || !*resp.HasNext) {
			ended = true
			if resp != nil && len(resp.Errors) > 0 {
				recordErrors(span, resp.Errors)
			}
			span.End()
		}
		return resp
	}
}

// InterceptField spans the resolvers of root fields.
func (GraphQL) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	// A root field's parent is its operation's root object (gqlgen's
	// context for Query or Mutation), which has none.
	if fc == nil || !fc.IsResolver || fc.Parent != nil && fc.Parent.Parent != nil || !Recording(ctx) {
		return next(ctx)
	}
	ctx, span := gqlTracer.Start(ctx, fc.Object+"."+fc.Field.Name)
	defer span.End()
	res, err := next(ctx)
	if err != nil {
		// The presented error goes to the operation span by code; here
		// only that this resolver failed.
		span.SetStatus(codes.Error, "resolver failed")
	}
	return res, err
}

// recordErrors marks the span failed with the errors' codes: their
// messages may hold what a shopper typed.
func recordErrors(span trace.Span, errs gqlerror.List) {
	var list []string
	for _, e := range errs {
		code, _ := e.Extensions["code"].(string)
		if code == "" {
			code = "UNKNOWN"
		}
		if !slices.Contains(list, code) {
			list = append(list, code)
		}
	}
	span.SetAttributes(attrErrorCodes.StringSlice(list))
	span.SetStatus(codes.Error, strings.Join(list, ","))
}
