package model

import (
	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/cart"
	"github.com/storefront/storefront/internal/order"
)

// Cart is a cart view with the guest token the client must keep.
type Cart struct {
	*cart.Cart
	GuestToken *string
}

// CheckoutPreview is the order service's preview with the default address.
type CheckoutPreview struct {
	*order.Preview
	Address *ent.Address
}
