package graph

import (
	"context"
	"log/slog"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/outage"
)

// DefaultRequestTimeout is an operation's deadline when Options sets none.
const DefaultRequestTimeout = 10 * time.Second

// deadline gives every query and mutation a deadline, so a frozen database
// or Redis holds a request for that long at most instead of for the whole
// freeze: the driver and go-redis end their calls when the context ends.
// What failed because a dependency did not answer (the deadline passed, a
// connection timed out, was refused or lost, the retries ran out) is shown
// as UNAVAILABLE with extensions.retryable, never as a definite answer: the
// client may send the same request again.
//
// The flash-sale combiner's batch ends by its leader's deadline, the
// earliest of its callers', so a combined order keeps to it too.
type deadline struct {
	timeout time.Duration
	log     *slog.Logger
}

func newDeadline(timeout time.Duration, log *slog.Logger) deadline {
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	return deadline{timeout: timeout, log: log}
}

var (
	_ graphql.HandlerExtension     = deadline{}
	_ graphql.OperationInterceptor = deadline{}
	_ graphql.FieldInterceptor     = deadline{}
)

func (deadline) ExtensionName() string                   { return "RequestDeadline" }
func (deadline) Validate(graphql.ExecutableSchema) error { return nil }

func (d deadline) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if op := graphql.GetOperationContext(ctx).Operation; op == nil || op.Operation == ast.Subscription {
		return next(ctx)
	}
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	responses := next(ctx)
	first := true
	return func(ctx context.Context) *graphql.Response {
		resp := responses(ctx)
		if resp == nil && first && ctx.Err() != nil {
			// gqlgen answers nothing at all (an empty body) for an
			// operation whose context ended before its fields ran, e.g.
			// while a mutation's session check waited for the database.
			resp = &graphql.Response{Errors: gqlerror.List{d.present(ctx, ctx.Err())}}
		}
		first = false
		if resp == nil || resp.HasNext == nil || !*resp.HasNext {
			cancel()
		}
		return resp
	}
}

func (d deadline) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err != nil && unavailable(ctx, err) {
		d.log.WarnContext(ctx, "graphql: a dependency did not answer", "err", err,
			"path", graphql.GetFieldContext(ctx).Path().String())
		return res, apperr.Unavailable{Cause: err}
	}
	return res, err
}

// present shows an operation-level unavailability as the presenter shows a
// coded error.
func (d deadline) present(ctx context.Context, cause error) *gqlerror.Error {
	d.log.WarnContext(ctx, "graphql: the operation ran out of time before its fields", "err", cause)
	e := apperr.Unavailable{Cause: cause}
	ext := map[string]any{"code": e.Code()}
	for k, v := range e.Extensions() {
		ext[k] = v
	}
	return &gqlerror.Error{Message: e.Error(), Extensions: ext}
}

// unavailable reports whether err, which a resolver returned, says that a
// dependency did not answer rather than what the answer is. A coded error
// is an answer and stays as it is.
func unavailable(ctx context.Context, err error) bool {
	if apperr.CodeOf(err) != "" {
		return false
	}
	return ctx.Err() != nil || outage.Is(err) // the deadline passed (or the client left)
}
