package graph_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/storefront/storefront/internal/gqltest"
)

// utcRFC3339 is the one format of a timestamp in the API.
var utcRFC3339 = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)

// A client reads every timestamp in one format, whichever backend the shop
// runs on: an order's times, its line's, and the payment's, whose time
// Alipay sends in Beijing time (+08:00). What placeOrder answers from memory
// reads the same as what a later query reads back from the database.
func TestEveryTimestampIsUTCRFC3339OnBothBackends(t *testing.T) {
	t.Parallel()
	for name, embedded := range map[string]bool{"mariadb": false, "sqlite": true} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := gqltest.Start(t, gqltest.Options{Embedded: embedded})
			b := newBuyer(t, s, map[string]int{skuIDByName(t, s, "Echo Buds Black"): 1})
			var p struct {
				PlaceOrder struct{ ID, OrderNo, CreatedAt, ExpiresAt string }
			}
			s.As(t, b.Shopper, `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { id orderNo createdAt expiresAt } }`,
				map[string]any{"in": map[string]any{"addressId": b.addressID, "payMethod": "ALIPAY", "idempotencyKey": "ts-1"}}, &p)
			o := alipayOrder{buyer: b, id: p.PlaceOrder.ID, no: p.PlaceOrder.OrderNo}
			if _, err := s.App.Sandbox.OpenPayURL(o.payURL(t, s)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.App.Sandbox.Pay(o.no); err != nil {
				t.Fatal(err)
			}
			awaitUnsend(t, s, o.no)

			var q struct {
				Me   struct{ CreatedAt string }
				Node struct {
					CreatedAt, ExpiresAt, PaidAt string
					Lines                        []struct{ CreatedAt string }
					Payments                     []struct{ CreatedAt, PaidAt string }
				}
			}
			s.As(t, b.Shopper, `query($id: ID!) { me { createdAt } node(id: $id) { ... on OrderInfo {
				createdAt expiresAt paidAt lines { createdAt } payments { createdAt paidAt } } } }`,
				map[string]any{"id": o.id}, &q)
			if len(q.Node.Lines) != 1 || len(q.Node.Payments) != 1 {
				t.Fatalf("order %+v", q.Node)
			}
			times := map[string]string{
				"placeOrder.createdAt": p.PlaceOrder.CreatedAt, "placeOrder.expiresAt": p.PlaceOrder.ExpiresAt,
				"me.createdAt": q.Me.CreatedAt, "order.createdAt": q.Node.CreatedAt, "order.expiresAt": q.Node.ExpiresAt,
				"order.paidAt": q.Node.PaidAt, "line.createdAt": q.Node.Lines[0].CreatedAt,
				"payment.createdAt": q.Node.Payments[0].CreatedAt, "payment.paidAt": q.Node.Payments[0].PaidAt,
			}
			for field, v := range times {
				at, err := time.Parse(time.RFC3339, v)
				if !utcRFC3339.MatchString(v) || err != nil {
					t.Errorf("%s = %q; want UTC RFC 3339 with six digits, like 2026-12-02T08:30:00.000000Z", field, v)
					continue
				}
				if field != "order.expiresAt" && field != "placeOrder.expiresAt" && time.Since(at).Abs() > time.Minute {
					t.Errorf("%s = %q, not about now", field, v)
				}
			}
			if p.PlaceOrder.CreatedAt != q.Node.CreatedAt || p.PlaceOrder.ExpiresAt != q.Node.ExpiresAt {
				t.Errorf("placeOrder said created %s, expiring %s; the order reads %s, %s",
					p.PlaceOrder.CreatedAt, p.PlaceOrder.ExpiresAt, q.Node.CreatedAt, q.Node.ExpiresAt)
			}
		})
	}
}
