package cart

import "github.com/storefront/storefront/internal/apperr"

// The stock errors are shared with placeOrder, so a client handles them the
// same wherever they come from.
type (
	ErrSKUUnavailable    = apperr.SKUUnavailable
	ErrInsufficientStock = apperr.InsufficientStock
	ErrPurchaseLimit     = apperr.PurchaseLimit
)

var errCartFull = apperr.New(apperr.CodeCartFull, "a cart holds at most %d different items", MaxLines).With("limit", MaxLines)
