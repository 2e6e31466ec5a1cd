package graph

import (
	"context"
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	"github.com/storefront/storefront/graph/model"
	"github.com/storefront/storefront/internal/auth"
	"github.com/storefront/storefront/internal/cart"
	"github.com/storefront/storefront/internal/gid"
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
	owner, err = r.Carts.NewGuest(ctx, auth.OriginFrom(ctx).Addr)
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
	out := &model.Cart{Cart: &cart.Cart{}, ID: cartID(owner), Lines: []*model.CartLine{}}
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
	out.Cart, out.Lines = c, cartLines(owner, c.Items)
	return out, nil
}

// Carts and their lines have no rows, so no Ent ids: their ids are derived
// from the cart's name, which clients' caches need stable across requests.
// Every visitor without a cart reads the same empty one.
func cartID(o cart.Owner) string {
	if o == (cart.Owner{}) {
		return gid.Derived("cart", "none")
	}
	return gid.Derived("cart", o.Name())
}

func checkoutID(o cart.Owner) string { return gid.Derived("checkout", o.Name()) }

// cartLines are the lines of o's cart with their ids: the same in the cart
// and in the checkout preview.
func cartLines(o cart.Owner, items []cart.Item) []*model.CartLine {
	out := make([]*model.CartLine, len(items))
	for i := range items {
		out[i] = &model.CartLine{Item: &items[i], ID: gid.Derived("cartline", o.Name(), strconv.Itoa(items[i].SKUID))}
	}
	return out
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
