package graph_test

import (
	"testing"

	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/orderstate"
)

const cancelDoc = `mutation($id: ID!) { cancelOrder(orderId: $id) { status canceledAt } }`

func TestCancelAnUnpaidOrderPutsTheStockBackOnce(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	id := skuIDByName(t, s, "Nimbus 16 64 GB")
	before := skuRow(t, s, id)
	o := unpaidOrder(t, s, "Nimbus 16 64 GB")
	openPayURL(t, s, o.payURL(t, s))

	codes := make([]string, 4)
	parallel(len(codes), func(i int) {
		codes[i] = s.Post(t, gqltest.Request{Query: cancelDoc, Header: o.Header(), Variables: map[string]any{"id": o.id}}).Code()
	})
	won := winners(t, codes)
	after := skuRow(t, s, id)
	if won != 1 || after.Stock != before.Stock || after.Sales != before.Sales || orderStatus(t, s, o.no) != orderstate.Canceled {
		t.Fatalf("%d cancels won; stock %d -> %d, sales %d -> %d", won, before.Stock, after.Stock, before.Sales, after.Sales)
	}
	if tr, _ := s.App.Sandbox.Trade(o.no); tr.Status != "TRADE_CLOSED" {
		t.Fatalf("the Alipay trade is %s", tr.Status)
	}
	// A closed trade can no longer be paid.
	if _, err := s.App.Sandbox.Pay(o.no); err == nil {
		t.Fatal("paid a closed trade")
	}
}

func TestCancelRacingAPaymentLeavesOneOutcome(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	o := unpaidOrder(t, s, "Echo Buds White")
	openPayURL(t, s, o.payURL(t, s))
	payWithoutNotify(t, s, o.no) // paid, notification still on its way
	res := s.Post(t, gqltest.Request{Query: cancelDoc, Header: o.Header(), Variables: map[string]any{"id": o.id}})
	if res.Code() != "ORDER_STATE" || orderStatus(t, s, o.no) != orderstate.Unsend || payments(t, s) != 1 {
		t.Fatalf("cancel after payment: %+v, order %s, %d payments", res.Errors, orderStatus(t, s, o.no), payments(t, s))
	}
	if err := s.App.Sandbox.Resend(o.no); err != nil || payments(t, s) != 1 {
		t.Fatalf("the late notification: %v, %d payments", err, payments(t, s))
	}
}

func TestCancelIsOnlyForTheBuyersUnpaidOrders(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	o := unpaidOrder(t, s, "Echo Buds Green")
	cash := newBuyer(t, s, map[string]int{skuIDByName(t, s, "Echo Buds Black"): 1})
	var c placed
	mustDecode(t, cash.place(t, s, "CASH", ""), &c)
	stranger := s.NewShopper(t)
	for name, tc := range map[string]struct {
		sh   gqltest.Shopper
		id   string
		code string
	}{
		"another's order":   {stranger, o.id, "NOT_FOUND"},
		"an UNSEND order":   {cash.Shopper, c.PlaceOrder.ID, "ORDER_STATE"},
		"receipt of UNPAID": {o.Shopper, o.id, "ORDER_STATE"},
	} {
		doc := cancelDoc
		if name == "receipt of UNPAID" {
			doc = `mutation($id: ID!) { confirmReceipt(orderId: $id) { status } }`
		}
		if res := s.Post(t, gqltest.Request{Query: doc, Header: tc.sh.Header(), Variables: map[string]any{"id": tc.id}}); res.Code() != tc.code {
			t.Errorf("%s: %+v, want %s", name, res.Errors, tc.code)
		}
	}
	if orderStatus(t, s, o.no) != orderstate.Unpaid {
		t.Fatal("a refused call changed the order")
	}
}

func TestMyOrdersNewestFirstAndByStatus(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	b := newBuyer(t, s, nil)
	sku := skuIDByName(t, s, "MagSafe Case Clear")
	var nos []string
	for i, method := range []string{"CASH", "ALIPAY", "CASH"} {
		cartCall(t, s, b.Header(), addDoc, map[string]any{"id": sku, "n": i + 1})
		var p placed
		mustDecode(t, b.place(t, s, method, ""), &p)
		nos = append(nos, p.PlaceOrder.OrderNo)
	}
	other := unpaidOrder(t, s, "MagSafe Case Black") // someone else's
	var all struct {
		MyOrders struct {
			TotalCount int
			Edges      []struct {
				Node struct{ OrderNo, Status string }
			}
		}
	}
	s.As(t, b.Shopper, `{ myOrders(first: 10) { totalCount edges { node { orderNo status } } } }`, nil, &all)
	if all.MyOrders.TotalCount != 3 || all.MyOrders.Edges[0].Node.OrderNo != nos[2] || all.MyOrders.Edges[2].Node.OrderNo != nos[0] {
		t.Fatalf("myOrders = %+v (want newest first of %v)", all.MyOrders, nos)
	}
	for _, e := range all.MyOrders.Edges {
		if e.Node.OrderNo == other.no {
			t.Fatal("another shopper's order listed")
		}
	}
	var unpaid struct {
		MyOrders struct {
			Edges []struct{ Node struct{ OrderNo string } }
		}
	}
	s.As(t, b.Shopper, `{ myOrders(first: 10, status: [UNPAID]) { edges { node { orderNo } } } }`, nil, &unpaid)
	if len(unpaid.MyOrders.Edges) != 1 || unpaid.MyOrders.Edges[0].Node.OrderNo != nos[1] {
		t.Fatalf("UNPAID filter: %+v", unpaid)
	}
	if res := s.Post(t, gqltest.Request{Query: `{ myOrders(first: 10) { totalCount } }`}); res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("anonymous: %+v", res.Errors)
	}
	if res := s.Post(t, gqltest.Request{Query: `query($id: ID!) { order(id: $id) { id } }`, Header: b.Header(), Variables: map[string]any{"id": other.id}}); res.Code() != "NOT_FOUND" {
		t.Fatalf("order(id) of another: %+v", res.Errors)
	}
}
