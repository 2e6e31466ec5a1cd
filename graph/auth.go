package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/auth"
)

// authenticate reads the Authorization header once per operation. A bad
// token is not an error by itself: public fields still answer, and fields
// marked @auth report why the token was refused.
func (r *Resolver) authenticate(ctx context.Context) context.Context {
	h := graphql.GetOperationContext(ctx).Headers.Get("Authorization")
	if h == "" {
		return ctx
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return auth.WithError(ctx, apperr.New(apperr.CodeUnauthenticated, "the Authorization header must be: Bearer <access token>"))
	}
	p, err := r.Auth.Authenticate(ctx, strings.TrimSpace(token))
	if err != nil {
		return auth.WithError(ctx, err)
	}
	return auth.WithPrincipal(ctx, p)
}

// requireShopper implements @auth.
func requireShopper(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
	if _, err := auth.Require(ctx); err != nil {
		return nil, err
	}
	return next(ctx)
}

// shopper returns the signed-in shopper of a field marked @auth.
func shopper(ctx context.Context) (auth.Principal, error) { return auth.Require(ctx) }
