package order_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/orderinfo"
	"github.com/storefront/storefront/internal/apikey"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/order"
	"github.com/storefront/storefront/internal/orderstate"
	"github.com/storefront/storefront/internal/partner"
)

// Every caller that changes an order's status hears the same explanation
// when the change does not apply: NOT_FOUND for an order that does not
// exist or is another shopper's, ORDER_STATE naming the status the order
// is in and the one the change needs, with extensions.status.
func TestEveryStatusChangeThatDoesNotApplyIsExplainedTheSameWay(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	ctx := t.Context()
	skuID := hotSKU(t, s)
	setStock(t, s, skuID, 1000)
	merchant := partner.New(s.App.DB, s.App.Orders)
	key := apikey.Partner{Name: "erp", Scopes: []string{apikey.OrdersWrite}}

	// placed is a new order of a new buyer, in status st.
	placed := func(pay orderinfo.PayMethod, st orderstate.Status) *ent.OrderInfo {
		t.Helper()
		in := buyer(t, s, skuID, 1)
		in.PayMethod = pay
		o, err := s.App.Orders.Place(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != st {
			if err := s.App.DB.Client.OrderInfo.UpdateOneID(o.ID).SetStatus(st).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		return o
	}
	status := func(o *ent.OrderInfo) orderstate.Status {
		t.Helper()
		got, err := s.App.DB.Client.OrderInfo.Get(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}
	stranger := buyer(t, s, skuID, 1).UserID

	type call func(ctx context.Context, userID int, o *ent.OrderInfo) error
	callers := []struct {
		name string
		call call
		// shopper: the change is the buyer's own.
		shopper bool
		pay     orderinfo.PayMethod
		from    orderstate.Status
		to      orderstate.Status
		needs   string
		// withPay: the change requires a pay method, and its
		// explanation names the order's.
		withPay bool
	}{
		{"confirmReceipt", func(ctx context.Context, userID int, o *ent.OrderInfo) error {
			_, err := s.App.Orders.ConfirmReceipt(ctx, userID, o.ID)
			return err
		}, true, orderinfo.PayMethodCASH, orderstate.Unreceived, orderstate.Uncomment, "UNRECEIVED", false},
		{"commentOrderLines", func(ctx context.Context, userID int, o *ent.OrderInfo) error {
			_, err := s.App.Orders.Comment(ctx, userID, o.ID, []order.LineComment{{LineID: o.Edges.Lines[0].ID, Score: 5}})
			return err
		}, true, orderinfo.PayMethodCASH, orderstate.Uncomment, orderstate.Finished, "UNCOMMENT", false},
		{"cancel of an unpaid order (buyer, sweeper)", func(ctx context.Context, _ int, o *ent.OrderInfo) error {
			return s.App.Orders.CancelUnpaid(ctx, o.ID)
		}, false, orderinfo.PayMethodALIPAY, orderstate.Unpaid, orderstate.Canceled, "UNPAID", false},
		{"shipOrder", func(ctx context.Context, _ int, o *ent.OrderInfo) error {
			_, err := merchant.ShipOrder(ctx, key, o.ID, "SF Express", "SF1234567890")
			return err
		}, false, orderinfo.PayMethodCASH, orderstate.Unsend, orderstate.Unreceived, "UNSEND", false},
		{"merchantCancelOrder", func(ctx context.Context, _ int, o *ent.OrderInfo) error {
			_, err := merchant.CancelOrder(ctx, key, o.ID, "suspected reseller")
			return err
		}, false, orderinfo.PayMethodCASH, orderstate.Unsend, orderstate.Canceled, "UNSEND (CASH)", true},
	}
	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			// In the status the change needs: it applies.
			o := placed(c.pay, c.from)
			if err := c.call(ctx, o.UserID, o); err != nil {
				t.Fatalf("from %s: %v", c.from, err)
			}
			if got := status(o); got != c.to {
				t.Fatalf("from %s: the order is %s, want %s", c.from, got, c.to)
			}
			// Again: the order has moved on.
			wantState(t, c.call(ctx, o.UserID, o), c.to, c.pay, c.needs, c.withPay)

			finished := placed(c.pay, orderstate.Finished)
			wantState(t, c.call(ctx, finished.UserID, finished), orderstate.Finished, c.pay, c.needs, c.withPay)

			gone := *o
			gone.ID += 1 << 20
			if err := c.call(ctx, o.UserID, &gone); apperr.CodeOf(err) != apperr.CodeNotFound {
				t.Errorf("no such order: %v, want NOT_FOUND", err)
			}
			if c.shopper {
				other := placed(c.pay, c.from)
				if err := c.call(ctx, stranger, other); apperr.CodeOf(err) != apperr.CodeNotFound {
					t.Errorf("another shopper's order: %v, want NOT_FOUND", err)
				}
				if got := status(other); got != c.from {
					t.Errorf("another shopper's order moved to %s", got)
				}
			}
		})
	}

	// A merchant cancels CASH orders only: a paid ALIPAY order's money
	// would need a refund.
	paid := placed(orderinfo.PayMethodALIPAY, orderstate.Unsend)
	_, err := merchant.CancelOrder(ctx, key, paid.ID, "suspected reseller")
	wantState(t, err, orderstate.Unsend, orderinfo.PayMethodALIPAY, "UNSEND (CASH)", true)
	if got := status(paid); got != orderstate.Unsend {
		t.Errorf("the paid order is %s", got)
	}
}

// wantState checks that err is ORDER_STATE for an order in status is (with
// its pay method when the change requires one) that needed needs.
func wantState(t *testing.T, err error, is orderstate.Status, pay orderinfo.PayMethod, needs string, withPay bool) {
	t.Helper()
	e, ok := err.(*apperr.Error)
	if !ok || e.Code() != apperr.CodeOrderState {
		t.Errorf("in %s: %v, want ORDER_STATE", is, err)
		return
	}
	current := is.String()
	if withPay {
		current = fmt.Sprintf("%s (%s)", is, pay)
	}
	if want := fmt.Sprintf("the order is %s; this needs it %s", current, needs); e.Error() != want {
		t.Errorf("in %s: %q, want %q", is, e.Error(), want)
	}
	if st := e.Extensions()["status"]; st != is.String() {
		t.Errorf("in %s: extensions.status = %v", is, st)
	}
}
