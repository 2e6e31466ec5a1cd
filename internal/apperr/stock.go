package apperr

import "fmt"

// SKUUnavailable says a SKU cannot be bought: unknown or not launched.
// SKUID is the raw id; the GraphQL presenter encodes it as extensions.skuId,
// so the message carries none.
type SKUUnavailable struct {
	SKUID int
}

func (e SKUUnavailable) Error() string              { return "this item is not on sale" }
func (e SKUUnavailable) Code() string               { return CodeSKUUnavailable }
func (e SKUUnavailable) Extensions() map[string]any { return nil }

// SKU names the SKU the error is about.
func (e SKUUnavailable) SKU() int { return e.SKUID }

// InsufficientStock says a count exceeds the stock: Left units of SKUID are
// available now.
type InsufficientStock struct {
	SKUID int
	Left  int
}

func (e InsufficientStock) Error() string              { return fmt.Sprintf("only %d left in stock", e.Left) }
func (e InsufficientStock) Code() string               { return CodeInsufficientStock }
func (e InsufficientStock) Extensions() map[string]any { return map[string]any{"left": e.Left} }

// SKU names the SKU the error is about.
func (e InsufficientStock) SKU() int { return e.SKUID }

var (
	_ Coded = SKUUnavailable{}
	_ Coded = InsufficientStock{}
)
