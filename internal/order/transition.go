package order

// An order's status changes in one way only: a Transition, one conditional
// UPDATE (WHERE id = ? AND status IN (...), and the shopper or the pay
// method where the change is theirs only). Of any number of racing callers
// (sweepers on several instances, the buyer, the merchant, Alipay's
// notification and confirmPayment) one applies it and the others change
// nothing. A change that did not apply is explained the same way to every
// caller, from the order read again through the same client (inside a
// transaction, the transaction's: at READ COMMITTED, the latest committed
// state): NOT_FOUND when there is no such order or it is not the
// shopper's, which are never told apart; otherwise ORDER_STATE, naming the
// status it is in (extensions.status) and the one the change needs.

import (
	"context"
	"fmt"
	"strings"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/orderinfo"
	"github.com/storefront/storefront/ent/predicate"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/orderstate"
)

// Transition is one conditional change of an order's status.
type Transition struct {
	OrderID int
	// UserID, when set, makes it the shopper's change: another shopper's
	// order is NOT_FOUND, like one that does not exist.
	UserID int
	// From are the statuses the change applies in.
	From []orderstate.Status
	// PayMethod, when set, is required too (a merchant cancels CASH orders
	// only: a paid ALIPAY order's money would need a refund).
	PayMethod orderinfo.PayMethod
	// To is the new status; zero keeps the status, for a change that only
	// checks it and serializes what follows behind the order's row lock.
	To orderstate.Status
	// Set writes the change's other columns.
	Set func(*ent.OrderInfoUpdate)
}

// Apply runs the transition through c (tx.Client() inside a transaction,
// the database's client for a change that is its own statement). It
// returns nil when the order changed, and otherwise NOT_FOUND or
// ORDER_STATE as the package explains.
func (t Transition) Apply(ctx context.Context, c *ent.Client) error {
	u := c.OrderInfo.Update().Where(append(t.order(), orderinfo.StatusIn(t.From...))...)
	if t.PayMethod != "" {
		u.Where(orderinfo.PayMethodEQ(t.PayMethod))
	}
	if t.To != 0 {
		u.SetStatus(t.To)
	}
	if t.Set != nil {
		t.Set(u)
	}
	n, err := u.Save(ctx)
	if err != nil || n == 1 {
		return err
	}
	o, err := c.OrderInfo.Query().Where(t.order()...).
		Select(orderinfo.FieldStatus, orderinfo.FieldPayMethod).Only(ctx)
	if ent.IsNotFound(err) {
		return apperr.NotFound("order")
	}
	if err != nil {
		return fmt.Errorf("order: reading order %d after a transition: %w", t.OrderID, err)
	}
	return t.refused(o)
}

// order selects the order the transition is about, as its caller may see it.
func (t Transition) order() []predicate.OrderInfo {
	if t.UserID != 0 {
		return []predicate.OrderInfo{orderinfo.ID(t.OrderID), orderinfo.UserID(t.UserID)}
	}
	return []predicate.OrderInfo{orderinfo.ID(t.OrderID)}
}

// refused is the ORDER_STATE error for an order o the transition does not
// apply to.
func (t Transition) refused(o *ent.OrderInfo) error {
	from := make([]string, len(t.From))
	for i, s := range t.From {
		from[i] = s.String()
	}
	is, needs := o.Status.String(), strings.Join(from, " or ")
	if t.PayMethod != "" {
		is += fmt.Sprintf(" (%s)", o.PayMethod)
		needs += fmt.Sprintf(" (%s)", t.PayMethod)
	}
	return apperr.New(apperr.CodeOrderState, "the order is %s; this needs it %s", is, needs).With("status", o.Status.String())
}
