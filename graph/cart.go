package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/storefront/storefront/graph/model"
	"github.com/storefront/storefront/internal/auth"
	"github.com/storefront/storefront/internal/cart"
)

// cartTokenHeader carries a guest cart's token.
const cartTokenHeader = "X-Cart-Token"

// cartOwner picks the cart of a request: the shopper's when signed in,
// otherwise the guest cart named by X-Cart-Token. With neither, create says
// whether to open a new guest cart (mutations; rate limited per client
// address) or read an empty one.
func (r *Resolver) cartOwner(ctx context.Context, create bool) (owner cart.Owner, isNew bool, err error) {
	if p, ok := auth.FromContext(ctx); ok {
		return cart.User(p.UserID), false, nil
	}
	if err := authFailure(ctx); err != nil {
		// A token was sent but refused: do not silently fall back to a
		// guest cart, the client would lose sight of its real one.
		return cart.Owner{}, false, err
	}
	if tok := graphql.GetOperationContext(ctx).Headers.Get(cartTokenHeader); tok != "" {
		if err := cart.ValidateGuestToken(tok); err != nil {
			return cart.Owner{}, false, err
		}
		return cart.Guest(tok), false, nil
	}
	if !create {
		return cart.Owner{}, false, nil
	}
	owner, err = r.Carts.NewGuest(ctx, auth.ClientFrom(ctx).Addr)
	if err != nil {
		return cart.Owner{}, false, err
	}
	return owner, true, nil
}

// authFailure is the reason a presented access token was refused, if any.
func authFailure(ctx context.Context) error {
	if _, ok := auth.FromContext(ctx); ok {
		return nil
	}
	if _, err := auth.Require(ctx); err != nil && graphql.GetOperationContext(ctx).Headers.Get("Authorization") != "" {
		return err
	}
	return nil
}

// viewCart returns the cart of owner as the API shows it.
func (r *Resolver) viewCart(ctx context.Context, owner cart.Owner) (*model.Cart, error) {
	out := &model.Cart{Cart: &cart.Cart{}}
	if owner.GuestToken != "" {
		tok := owner.GuestToken
		out.GuestToken = &tok
	}
	if owner == (cart.Owner{}) {
		return out, nil
	}
	c, err := r.Carts.View(ctx, owner)
	if err != nil {
		return nil, err
	}
	out.Cart = c
	return out, nil
}

// changeCart runs one cart mutation on the request's cart and returns the
// cart afterwards.
func (r *Resolver) changeCart(ctx context.Context, change func(cart.Owner) error) (*model.Cart, error) {
	owner, _, err := r.cartOwner(ctx, true)
	if err != nil {
		return nil, err
	}
	if err := change(owner); err != nil {
		return nil, err
	}
	return r.viewCart(ctx, owner)
}

func itemPointers(items []cart.Item) []*cart.Item {
	out := make([]*cart.Item, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}
