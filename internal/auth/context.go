package auth

import (
	"context"

	"github.com/storefront/storefront/internal/apperr"
)

type principalKey struct{}
type authErrKey struct{}

// WithPrincipal attaches the signed-in shopper to ctx.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// WithError records why a presented token was refused, so an operation that
// needs a shopper can say so; public operations ignore it.
func WithError(ctx context.Context, err error) context.Context {
	return context.WithValue(ctx, authErrKey{}, err)
}

// FromContext returns the signed-in shopper, if any.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Require returns the signed-in shopper or UNAUTHENTICATED, with the reason
// a presented token was refused when there was one.
func Require(ctx context.Context) (Principal, error) {
	if p, ok := FromContext(ctx); ok {
		return p, nil
	}
	if err, ok := ctx.Value(authErrKey{}).(error); ok {
		return Principal{}, err
	}
	return Principal{}, apperr.Unauthenticated()
}

type originKey struct{}

// WithOrigin attaches where the request comes from (for login throttling
// and the session record).
func WithOrigin(ctx context.Context, c Origin) context.Context {
	return context.WithValue(ctx, originKey{}, c)
}

// OriginFrom returns where the request comes from.
func OriginFrom(ctx context.Context) Origin {
	c, _ := ctx.Value(originKey{}).(Origin)
	return c
}
