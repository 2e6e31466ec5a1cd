package model

import (
	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/cart"
	"github.com/storefront/storefront/internal/order"
)

// Cart is a cart view with its id and the guest token the client must keep.
type Cart struct {
	*cart.Cart
	ID         string
	GuestToken *string
	Lines      []*CartLine
}

// CartLine is a cart line with its id.
type CartLine struct {
	*cart.Item
	ID string
}

// CheckoutPreview is the order service's preview with its id and the
// default address.
type CheckoutPreview struct {
	*order.Preview
	ID      string
	Lines   []*CartLine
	Address *ent.Address
}
