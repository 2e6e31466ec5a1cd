package model

import (
	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/cart"
)

// Cart is a cart view with the guest token the client must keep.
type Cart struct {
	*cart.Cart
	GuestToken *string
}

// CheckoutPreview is the cart's preview with the default address.
type CheckoutPreview struct {
	*cart.Preview
	Address *ent.Address
}
