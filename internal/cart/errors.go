package cart

import (
	"fmt"

	"github.com/storefront/storefront/internal/apperr"
)

// ErrSKUUnavailable says a SKU cannot be bought: the catalog does not know it
// or it is not launched. SKUID is the raw id; the GraphQL presenter encodes
// it for the client, so the message carries none.
type ErrSKUUnavailable struct {
	SKUID int
}

func (e ErrSKUUnavailable) Error() string { return "this item is not on sale" }

// Code implements apperr.Coded.
func (e ErrSKUUnavailable) Code() string { return apperr.CodeSKUUnavailable }

// Extensions implements apperr.Coded; the SKU id is left to the presenter.
func (e ErrSKUUnavailable) Extensions() map[string]any { return nil }

// SKU names the SKU for the presenter, which encodes it as skuId.
func (e ErrSKUUnavailable) SKU() int { return e.SKUID }

// ErrInsufficientStock says the count asked for exceeds the stock: Left
// units of SKUID are available now.
type ErrInsufficientStock struct {
	SKUID int
	Left  int
}

func (e ErrInsufficientStock) Error() string {
	return fmt.Sprintf("only %d left in stock", e.Left)
}

// Code implements apperr.Coded.
func (e ErrInsufficientStock) Code() string { return apperr.CodeInsufficientStock }

// SKU names the SKU for the presenter, which encodes it as skuId.
func (e ErrInsufficientStock) SKU() int { return e.SKUID }

// Extensions implements apperr.Coded.
func (e ErrInsufficientStock) Extensions() map[string]any {
	return map[string]any{"left": e.Left}
}

var (
	errCartFull  = apperr.New(apperr.CodeCartFull, "a cart holds at most %d different items", MaxLines).With("limit", MaxLines)
	errCartEmpty = apperr.New(apperr.CodeCartEmpty, "no items are selected")
)

// Compile-time checks that the typed errors are coded.
var (
	_ apperr.Coded = ErrSKUUnavailable{}
	_ apperr.Coded = ErrInsufficientStock{}
)
