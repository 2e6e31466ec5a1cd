package graph_test

import (
	"testing"

	"github.com/storefront/storefront/internal/apikey"
	"github.com/storefront/storefront/internal/gid"
	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/orderstate"
)

const (
	merchantCancelDoc = `mutation($id: ID!, $r: String!) { merchantCancelOrder(orderId: $id, reason: $r) { status canceledAt cancelReason } }`
	limitDoc          = `mutation($id: ID!, $l: Int) { updateSku(id: $id, input: {purchaseLimit: $l}) { purchaseLimit } }`
)

// wantLimit checks a PURCHASE_LIMIT refusal and what it tells the client.
func wantLimit(t *testing.T, what string, res gqltest.Response, skuID string, limit, left int) {
	t.Helper()
	if res.Code() != "PURCHASE_LIMIT" {
		t.Fatalf("%s: %+v; want PURCHASE_LIMIT", what, res.Errors)
	}
	ext := res.Errors[0].Extensions
	if ext["skuId"] != skuID || ext["limit"] != float64(limit) || ext["left"] != float64(left) {
		t.Fatalf("%s: extensions %v; want skuId %s, limit %d, left %d", what, ext, skuID, limit, left)
	}
}

func TestOneShopperCannotHoardASKUsStock(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	catalog := partnerKey(t, s, apikey.CatalogWrite)
	orders := partnerKey(t, s, apikey.OrdersWrite)
	id := skuIDByName(t, s, "Studio Max Sand")
	setStock(t, s, id, 50)
	b := newBuyer(t, s, nil)

	// The shop's default: 10 a shopper.
	_, res := cartCall(t, s, b.Header(), addDoc, map[string]any{"id": id, "n": 50})
	wantLimit(t, "adding the whole stock", res, id, 10, 10)
	if _, res := cartCall(t, s, b.Header(), addDoc, map[string]any{"id": id, "n": 10}); len(res.Errors) > 0 {
		t.Fatalf("adding 10: %+v", res.Errors)
	}
	_, res = cartCall(t, s, b.Header(), updateDoc, map[string]any{"id": id, "n": 11})
	wantLimit(t, "raising the line to 11", res, id, 10, 10)

	// A flash sale: one each. The cart's 10 no longer pass.
	var lim struct{ UpdateSku struct{ PurchaseLimit *int } }
	mustDecode(t, s.Post(t, gqltest.Request{Query: limitDoc, Header: catalog, Variables: map[string]any{"id": id, "l": 1}}), &lim)
	if lim.UpdateSku.PurchaseLimit == nil || *lim.UpdateSku.PurchaseLimit != 1 {
		t.Fatalf("updateSku: %+v", lim)
	}
	var shown struct{ Sku struct{ PurchaseLimit *int } }
	s.Query(t, `query($id: ID!) { sku(id: $id) { purchaseLimit } }`, map[string]any{"id": id}, &shown)
	if shown.Sku.PurchaseLimit == nil || *shown.Sku.PurchaseLimit != 1 {
		t.Fatalf("shoppers see limit %v", shown.Sku.PurchaseLimit)
	}
	wantLimit(t, "ordering 10 of a one-each SKU", b.place(t, s, "CASH", ""), id, 1, 1)
	cartCall(t, s, b.Header(), updateDoc, map[string]any{"id": id, "n": 1})
	var first placed
	mustDecode(t, b.place(t, s, "CASH", ""), &first)
	// A second order, even of one, is over the shopper's limit.
	cartCall(t, s, b.Header(), addDoc, map[string]any{"id": id, "n": 1})
	wantLimit(t, "a second order", b.place(t, s, "CASH", ""), id, 1, 0)
	if k := skuRow(t, s, id); k.Stock != 49 {
		t.Fatalf("stock %d", k.Stock)
	}

	// The merchant cancels the CASH order: the unit is back, and the
	// shopper may buy one again.
	var canceled struct {
		MerchantCancelOrder struct {
			Status       string
			CanceledAt   *string
			CancelReason *string
		}
	}
	mustDecode(t, s.Post(t, gqltest.Request{Query: merchantCancelDoc, Header: orders,
		Variables: map[string]any{"id": first.PlaceOrder.ID, "r": "  suspected reseller  "}}), &canceled)
	if c := canceled.MerchantCancelOrder; c.Status != "CANCELED" || c.CanceledAt == nil || c.CancelReason == nil || *c.CancelReason != "suspected reseller" {
		t.Fatalf("canceled: %+v", c)
	}
	if k := skuRow(t, s, id); k.Stock != 50 || k.Sales != 0 {
		t.Fatalf("after the cancel: stock %d, sales %d", k.Stock, k.Sales)
	}
	if res := b.place(t, s, "CASH", ""); len(res.Errors) > 0 {
		t.Fatalf("after the cancel: %+v", res.Errors)
	}

	// Back to the shop's default (null or 0); partners cannot set nonsense.
	mustDecode(t, s.Post(t, gqltest.Request{Query: limitDoc, Header: catalog, Variables: map[string]any{"id": id, "l": 0}}), &lim)
	if lim.UpdateSku.PurchaseLimit == nil || *lim.UpdateSku.PurchaseLimit != 10 {
		t.Fatalf("back to the default: %+v", lim)
	}
	for _, bad := range []int{-1, 10_000_001} {
		res := s.Post(t, gqltest.Request{Query: limitDoc, Header: catalog, Variables: map[string]any{"id": id, "l": bad}})
		if res.Code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != "purchaseLimit" {
			t.Fatalf("purchaseLimit %d: %+v", bad, res.Errors)
		}
	}
}

func TestMerchantCancelPutsStockBackOnceAndOnlyForUnsentCashOrders(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	orders := partnerKey(t, s, apikey.OrdersWrite)
	reader := partnerKey(t, s, apikey.OrdersRead)
	id := skuIDByName(t, s, "Echo Buds Black")
	before := skuRow(t, s, id)
	b := newBuyer(t, s, map[string]int{id: 3})
	var p placed
	mustDecode(t, b.place(t, s, "CASH", ""), &p)
	cancel := func(h map[string][]string, orderID, reason string) gqltest.Response {
		return s.Post(t, gqltest.Request{Query: merchantCancelDoc, Header: h, Variables: map[string]any{"id": orderID, "r": reason}})
	}
	for name, c := range map[string]struct {
		h      map[string][]string
		reason string
		code   string
	}{
		"without orders:write": {reader, "x", "FORBIDDEN"},
		"a shopper's token":    {b.Header(), "x", "FORBIDDEN"},
		"no reason":            {orders, "  ", "BAD_USER_INPUT"},
		"a hidden character":   {orders, "out\u202eof stock", "BAD_USER_INPUT"},
		"an over-long reason":  {orders, string(make([]rune, 201)), "BAD_USER_INPUT"},
	} {
		if res := cancel(c.h, p.PlaceOrder.ID, c.reason); res.Code() != c.code {
			t.Errorf("%s: %+v, want %s", name, res.Errors, c.code)
		}
	}
	if orderStatus(t, s, p.PlaceOrder.OrderNo) != orderstate.Unsend {
		t.Fatal("a refused cancel changed the order")
	}

	codes := make([]string, 5)
	parallel(len(codes), func(i int) { codes[i] = cancel(orders, p.PlaceOrder.ID, "out of stock").Code() })
	won := winners(t, codes)
	after := skuRow(t, s, id)
	if won != 1 || after.Stock != before.Stock || after.Sales != before.Sales {
		t.Fatalf("%d cancels won; stock %d -> %d, sales %d -> %d", won, before.Stock, after.Stock, before.Sales, after.Sales)
	}

	// Only UNSEND CASH orders: an unpaid or a paid ALIPAY order, a shipped
	// one, are for other flows.
	unpaid := unpaidOrder(t, s, "Echo Buds White")
	if res := cancel(orders, unpaid.id, "x"); res.Code() != "ORDER_STATE" {
		t.Fatalf("an UNPAID order: %+v", res.Errors)
	}
	openPayURL(t, s, unpaid.payURL(t, s))
	if _, err := s.App.Sandbox.Pay(unpaid.no); err != nil {
		t.Fatal(err)
	}
	if orderStatus(t, s, unpaid.no) != orderstate.Unsend {
		t.Fatal("the payment was not recorded")
	}
	if res := cancel(orders, unpaid.id, "x"); res.Code() != "ORDER_STATE" {
		t.Fatalf("a paid order: %+v", res.Errors)
	}
	shipped := newBuyer(t, s, map[string]int{id: 1})
	mustDecode(t, shipped.place(t, s, "CASH", ""), &p)
	mustDecode(t, s.Post(t, gqltest.Request{Query: shipDoc, Header: orders, Variables: map[string]any{"id": p.PlaceOrder.ID}}), &struct{}{})
	if res := cancel(orders, p.PlaceOrder.ID, "x"); res.Code() != "ORDER_STATE" || res.Errors[0].Extensions["status"] != "UNRECEIVED" {
		t.Fatalf("a shipped order: %+v", res.Errors)
	}
	raw, _ := gid.Decode(p.PlaceOrder.ID)
	if res := cancel(orders, gid.Encode(raw+1_000_000), "x"); res.Code() != "NOT_FOUND" {
		t.Fatalf("an unknown order: %+v", res.Errors)
	}
}
