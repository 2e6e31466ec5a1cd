package graph

import (
	"context"
	"log/slog"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/storefront/storefront/graph/generated"
	"github.com/storefront/storefront/internal/auth"
	"github.com/storefront/storefront/internal/catalog"
	"github.com/storefront/storefront/internal/logging"
	"github.com/storefront/storefront/internal/telemetry"
)

// Options configure the GraphQL handler.
type Options struct {
	Limits Limits
	// Introspection lets clients read the schema (the playground needs it).
	Introspection bool
	// RequestTimeout is each operation's deadline (0: DefaultRequestTimeout).
	RequestTimeout time.Duration
	Log            *slog.Logger
	// Extensions observe every operation (metrics, tracing).
	Extensions []graphql.HandlerExtension
}

// NewHandler returns the /graphql handler: POST and GET over HTTP, a parsed
// query cache, automatic persisted queries, the request limits, and the
// error presenter.
func NewHandler(r *Resolver, opts Options) *handler.Server {
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	lim := opts.Limits
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	srv := handler.New(generated.NewExecutableSchema(generated.Config{
		Resolvers:  r,
		Complexity: complexity(),
		Directives: generated.DirectiveRoot{Auth: requireShopper, Partner: requirePartner},
	}))
	// One transport for every method: statuses and bodies as the
	// GraphQL-over-HTTP spec asks (see transport.go).
	srv.AddTransport(httpTransport{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(lim.MaxTokens)
	srv.SetDisableSuggestion(!opts.Introspection)
	srv.SetErrorPresenter(presentError(log))
	srv.SetRecoverFunc(recoverPanic(log))
	// First, so the operation's span covers the other extensions' work.
	srv.Use(telemetry.GraphQL{})
	if opts.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	// In place of gqlgen's complexity extension, which walks every
	// fragment spread and so takes exponential time on nested fragments.
	srv.Use(&limitsExtension{limits: lim})
	srv.Use(newDeadline(opts.RequestTimeout, log))
	for _, e := range opts.Extensions {
		srv.Use(e)
	}
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		// Loaders live for one operation: batching across the fields of
		// one request, and no stale reads across requests.
		ctx = catalog.WithLoaders(ctx, r.Catalog.NewLoaders())
		ctx = r.authenticate(ctx)
		req := logging.RequestFrom(ctx)
		if op := graphql.GetOperationContext(ctx).Operation; op != nil {
			req.SetOperation(op.Name)
		}
		if p, ok := auth.FromContext(ctx); ok {
			req.SetUser(p.UserID)
		}
		return next(ctx)
	})
	return srv
}
