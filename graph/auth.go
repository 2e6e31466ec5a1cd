package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/storefront/storefront/internal/apikey"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/auth"
)

// authenticate reads the Authorization header once per operation. A bad
// token is not an error by itself: public fields still answer, and fields
// marked @auth report why the token was refused.
//
// Every shopper token's login is checked against the sessions table, whose
// answer each instance keeps for a short while (auth.Authenticate), so a
// revocation Redis lost still holds for queries. A mutation asks the table
// afresh (one statement: shopper active, login not revoked), once for all
// its fields, and only the table: what changes data does not act on an
// answer seconds old, and the table holds every revocation Redis could
// tell of. A mutation of placeOrder alone leaves that statement to the
// order batch, which asks for all its buyers at once.
func (r *Resolver) authenticate(ctx context.Context) context.Context {
	oc := graphql.GetOperationContext(ctx)
	h := oc.Headers.Get("Authorization")
	if h == "" {
		return ctx
	}
	scheme, token, _ := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if strings.EqualFold(scheme, "ApiKey") && token != "" {
		// A partner key never acts as a shopper: no principal is set, so
		// @auth fields answer UNAUTHENTICATED.
		p, err := r.APIKeys.Authenticate(ctx, token)
		if err != nil {
			return auth.WithError(ctx, err)
		}
		return apikey.WithPartner(ctx, p)
	}
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return auth.WithError(ctx, apperr.New(apperr.CodeUnauthenticated, "the Authorization header must be: Bearer <access token> (shoppers) or ApiKey <key> (partners)"))
	}
	var p auth.Principal
	var err error
	switch {
	case oc.Operation == nil || oc.Operation.Operation != ast.Mutation:
		p, err = r.Auth.Authenticate(ctx, token)
	case soleField(oc.Operation, "placeOrder"):
		// placeOrder's batch asks the table for all its buyers' logins in
		// one statement, before it places anything.
		p, err = r.Auth.AuthenticateLater(token)
	default:
		p, err = r.Auth.AuthenticateNow(ctx, token)
	}
	if err != nil {
		return auth.WithError(ctx, err)
	}
	return auth.WithPrincipal(ctx, p)
}

// soleField reports whether op selects exactly one root field, name (and
// no fragment that could add others).
func soleField(op *ast.OperationDefinition, name string) bool {
	if len(op.SelectionSet) != 1 {
		return false
	}
	f, ok := op.SelectionSet[0].(*ast.Field)
	return ok && f.Name == name
}

// requireShopper implements @auth: the one check that a field's caller is
// a signed-in shopper. Resolvers behind it read the shopper with shopperOf.
func requireShopper(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
	if _, err := auth.Require(ctx); err != nil {
		return nil, err
	}
	return next(ctx)
}

// requirePartner implements @partner(scope:). Shopper tokens never reach
// partner fields: they are FORBIDDEN, as is a key without the scope.
func requirePartner(ctx context.Context, _ any, next graphql.Resolver, scope string) (any, error) {
	p, ok := apikey.FromContext(ctx)
	if !ok {
		if _, isShopper := auth.FromContext(ctx); isShopper {
			return nil, apperr.New(apperr.CodeForbidden, "this operation is for partner API keys")
		}
		if err := authFailure(ctx); err != nil {
			return nil, err
		}
		return nil, apperr.New(apperr.CodeUnauthenticated, "send Authorization: ApiKey <key>")
	}
	if err := p.Require(scope); err != nil {
		return nil, err
	}
	return next(ctx)
}

// partnerOf returns the key of a field marked @partner (the directive has
// checked it is there).
func partnerOf(ctx context.Context) apikey.Partner {
	p, _ := apikey.FromContext(ctx)
	return p
}

// shopperOf returns the signed-in shopper of a field marked @auth: the
// directive has refused every request without one, so there is no error to
// return. Only a field that lacks the directive gets here without a
// shopper, a bug TestShopperFieldsAreMarkedAuth keeps out; it panics (the
// client sees INTERNAL, the log names the field) rather than act for
// nobody.
func shopperOf(ctx context.Context) auth.Principal {
	p, ok := auth.FromContext(ctx)
	if !ok {
		field := "a field"
		if fc := graphql.GetFieldContext(ctx); fc != nil {
			field = fc.Object + "." + fc.Field.Name
		}
		panic(field + " reads the shopper but is not marked @auth")
	}
	return p
}
