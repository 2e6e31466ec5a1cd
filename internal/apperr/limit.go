package apperr

import "fmt"

// PurchaseLimit says a count exceeds what one shopper may buy of SKUID:
// Limit units per order and within the limit window, of which Left remain.
type PurchaseLimit struct {
	SKUID int
	Limit int
	Left  int
}

func (e PurchaseLimit) Error() string {
	return fmt.Sprintf("at most %d of this item per shopper; you may buy %d more", e.Limit, e.Left)
}
func (e PurchaseLimit) Code() string { return CodePurchaseLimit }
func (e PurchaseLimit) Extensions() map[string]any {
	return map[string]any{"limit": e.Limit, "left": e.Left}
}

// SKU names the SKU the error is about.
func (e PurchaseLimit) SKU() int { return e.SKUID }

// UnpaidLimit says the shopper has limit unpaid orders already.
func UnpaidLimit(limit int) *Error {
	return New(CodeUnpaidLimit, "you have %d unpaid orders: pay or cancel one first", limit).With("limit", limit)
}

var _ Coded = PurchaseLimit{}
