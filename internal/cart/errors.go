package cart

import "github.com/storefront/storefront/internal/apperr"

// The stock and purchase-limit errors, and CART_EMPTY, are apperr's: they
// are shared with placeOrder, so a client handles them the same wherever
// they come from.

var errCartFull = apperr.New(apperr.CodeCartFull, "a cart holds at most %d different items", MaxLines).With("limit", MaxLines)
