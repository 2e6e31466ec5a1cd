package graph_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/ordergoods"
	"github.com/storefront/storefront/ent/orderinfo"
	"github.com/storefront/storefront/ent/sku"
	"github.com/storefront/storefront/internal/app"
	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/gid"
	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/order"
	"github.com/storefront/storefront/internal/testenv"
)

const placeDoc = `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) {
	id orderNo status statusCode payMethod totalCount totalAmount freight payable expiresAt
	receiver mobile province city district detail
	lines { skuName price count amount sku { id } }
} }`

type placed struct {
	PlaceOrder struct {
		ID, OrderNo, Status, PayMethod string
		StatusCode, TotalCount         int
		TotalAmount, Freight, Payable  string
		ExpiresAt                      *string
		Receiver, Detail               string
		Lines                          []struct {
			SkuName, Price, Amount string
			Count                  int
			Sku                    *struct{ ID string }
		}
	}
}

// buyer is a shopper with an address and the given SKUs in the cart.
type buyer struct {
	gqltest.Shopper
	addressID string
}

func newBuyer(t *testing.T, s *gqltest.Server, skus map[string]int) buyer {
	t.Helper()
	sh := s.NewShopper(t)
	b := buyer{Shopper: sh, addressID: createAddr(t, s, sh, "买家").ID}
	for id, n := range skus {
		if _, res := cartCall(t, s, sh.Header(), addDoc, map[string]any{"id": id, "n": n}); len(res.Errors) > 0 {
			t.Fatalf("add to cart: %+v", res.Errors)
		}
	}
	return b
}

var keySeq atomic.Int64

func (b buyer) place(t *testing.T, s *gqltest.Server, method, key string) gqltest.Response {
	t.Helper()
	if key == "" {
		key = fmt.Sprint("k-", keySeq.Add(1))
	}
	return s.Post(t, gqltest.Request{Query: placeDoc, Header: b.Header(), Variables: map[string]any{
		"in": map[string]any{"addressId": b.addressID, "payMethod": method, "idempotencyKey": key}}})
}

func setStock(t *testing.T, s *gqltest.Server, skuID string, stock int) {
	t.Helper()
	id, _ := gid.Decode(skuID)
	if err := s.App.DB.Client.SKU.UpdateOneID(id).SetStock(stock).SetSales(0).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func skuRow(t *testing.T, s *gqltest.Server, skuID string) *ent.SKU {
	t.Helper()
	id, _ := gid.Decode(skuID)
	k, err := s.App.DB.Client.SKU.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func counts(t *testing.T, s *gqltest.Server) (orders, lines int) {
	t.Helper()
	var err error
	if orders, err = s.App.DB.Client.OrderInfo.Query().Count(t.Context()); err != nil {
		t.Fatal(err)
	}
	if lines, err = s.App.DB.Client.OrderGoods.Query().Count(t.Context()); err != nil {
		t.Fatal(err)
	}
	return orders, lines
}

// parallel runs n buyers' calls at once.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); fn(i) }()
	}
	wg.Wait()
}

// setUp prepares n buyers a few at a time. The race a test is about is the
// one it starts afterwards; registering and signing in 200 accounts at once
// is 400 argon2 hashes queued behind the hasher's memory budget, which on a
// busy two-core machine under -race outlasts the request deadline and fails
// the set-up, not the property.
func setUp(n int, fn func(i int)) {
	work := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				fn(i)
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
}

// winners counts the racers that succeeded; every other one must have
// lost with ORDER_STATE (the conditional update applied once).
func winners(t *testing.T, codes []string) int {
	t.Helper()
	won := 0
	for _, c := range codes {
		switch c {
		case "":
			won++
		case "ORDER_STATE":
		default:
			t.Fatalf("codes %v", codes)
		}
	}
	return won
}

func TestTwoHundredBuyersOnTwoInstancesShareOneHundredUnits(t *testing.T) {
	t.Parallel()
	s1 := gqltest.Start(t, gqltest.Options{})
	s2 := gqltest.StartOn(t, s1.Config, app.Options{}) // same database and Redis
	hot := skuIDByName(t, s1, "Aurora X1 Silver / 128 GB")
	setStock(t, s1, hot, 100)

	buyers := make([]buyer, 200)
	setUp(len(buyers), func(i int) { buyers[i] = newBuyer(t, []*gqltest.Server{s1, s2}[i%2], map[string]int{hot: 1}) })

	codes := make([]string, len(buyers))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, b := range buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i] = b.place(t, []*gqltest.Server{s1, s2}[i%2], "CASH", "").Code()
		}()
	}
	close(start)
	wg.Wait()

	tally := map[string]int{}
	for _, c := range codes {
		tally[c]++
	}
	if tally[""] != 100 || tally["INSUFFICIENT_STOCK"] != 100 || len(tally) != 2 {
		t.Fatalf("outcomes = %v; want 100 orders and 100 INSUFFICIENT_STOCK", tally)
	}
	k := skuRow(t, s1, hot)
	orders, lines := counts(t, s1)
	if k.Stock != 0 || k.Sales != 100 || orders != 100 || lines != 100 {
		t.Fatalf("stock %d sales %d, %d orders, %d lines; want 0, 100, 100, 100", k.Stock, k.Sales, orders, lines)
	}
	if bare, err := s1.App.DB.Client.OrderInfo.Query().Where(orderinfo.Not(orderinfo.HasLines())).Count(t.Context()); err != nil || bare != 0 {
		t.Fatalf("%d orders without lines (%v)", bare, err)
	}
}

func TestMultiSKUOrdersCollidingInOppositeOrdersAllSucceed(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	a, b, c := skuIDByName(t, s, "Lumen S Black / 128 GB"), skuIDByName(t, s, "Lumen S Black / 256 GB"), skuIDByName(t, s, "Lumen S White / 128 GB")
	for _, id := range []string{a, b, c} {
		setStock(t, s, id, 1000)
	}
	// Carts list their SKUs in opposite orders; the order service must lock
	// them in one order anyway.
	orders := [][]string{{a, b, c}, {c, b, a}, {b, a}, {c, a}}
	buyers := make([]buyer, 40)
	setUp(len(buyers), func(i int) {
		sh := s.NewShopper(t)
		buyers[i] = buyer{Shopper: sh, addressID: createAddr(t, s, sh, "买家").ID}
		for _, id := range orders[i%len(orders)] {
			cartCall(t, s, sh.Header(), addDoc, map[string]any{"id": id, "n": 2})
		}
	})
	codes := make([]string, len(buyers))
	parallel(len(buyers), func(i int) { codes[i] = buyers[i].place(t, s, "CASH", "").Code() })
	for i, c := range codes {
		if c != "" {
			t.Errorf("buyer %d: %s", i, c)
		}
	}
	units := 0
	for _, id := range []string{a, b, c} {
		k := skuRow(t, s, id)
		if k.Stock+k.Sales != 1000 {
			t.Errorf("%s: stock %d + sales %d != 1000", k.Name, k.Stock, k.Sales)
		}
		units += k.Sales
	}
	if units != 40/4*(3+3+2+2)*2 {
		t.Fatalf("%d units sold", units)
	}
	t.Logf("retries: %+v", s.App.DB.Retry.Stats())
}

func TestAnOrderSnapshotsPricesAndAddressAndEmptiesTheCart(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	phone, buds := skuIDByName(t, s, "Aurora X1 Midnight / 128 GB"), skuIDByName(t, s, "Echo Buds Black")
	b := newBuyer(t, s, map[string]int{phone: 1, buds: 2})
	// An unselected line stays behind.
	cartCall(t, s, b.Header(), addDoc, map[string]any{"id": skuIDByName(t, s, "Studio Max Sand"), "n": 1})
	cartCall(t, s, b.Header(), updateDoc, map[string]any{"id": skuIDByName(t, s, "Studio Max Sand"), "n": 1, "sel": false})

	res := b.place(t, s, "ALIPAY", "")
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	var got placed
	mustDecode(t, res, &got)
	o := got.PlaceOrder
	if o.Status != "UNPAID" || o.StatusCode != 1 || o.ExpiresAt == nil || o.PayMethod != "ALIPAY" {
		t.Fatalf("an ALIPAY order starts UNPAID with an expiry: %+v", o)
	}
	if o.TotalCount != 3 || o.TotalAmount != "5398.80" || o.Freight != "0.00" || o.Payable != "5398.80" || len(o.Lines) != 2 {
		t.Fatalf("totals: %+v", o)
	}
	if len(o.OrderNo) < 20 || o.Receiver != "买家" {
		t.Fatalf("order number %q, receiver %q", o.OrderNo, o.Receiver)
	}
	for _, l := range o.Lines {
		if l.Sku == nil || (l.SkuName != "Aurora X1 Midnight / 128 GB" && l.SkuName != "Echo Buds Black") {
			t.Fatalf("line %+v", l)
		}
	}
	c, _ := cartCall(t, s, b.Header(), cartDoc, nil)
	if c.LineCount != 1 || c.Lines[0].Name != "Studio Max Sand" {
		t.Fatalf("cart after the order: %+v", c)
	}

	// Later price and address edits do not rewrite the order.
	pid, _ := gid.Decode(phone)
	s.App.DB.Client.SKU.UpdateOneID(pid).SetPrice(1).ExecX(t.Context())
	s.As(t, b.Shopper, `mutation($id: ID!, $in: AddressInput!) { updateAddress(id: $id, input: $in) { id } }`,
		map[string]any{"id": b.addressID, "in": addrInput("新名字")}, nil)
	var again struct {
		Node struct {
			Receiver string
			Lines    []struct{ SkuName, Price string }
		}
	}
	s.As(t, b.Shopper, `query($id: ID!) { node(id: $id) { ... on OrderInfo { receiver lines { skuName price } } } }`, map[string]any{"id": o.ID}, &again)
	if again.Node.Receiver != "买家" {
		t.Fatalf("the order's address changed: %+v", again)
	}
	for _, l := range again.Node.Lines {
		if l.Price == "0.01" {
			t.Fatalf("the order's price changed: %+v", again)
		}
	}
	// Another shopper cannot read it.
	other := s.NewShopper(t)
	if res := s.Post(t, gqltest.Request{Query: `query($id: ID!) { node(id: $id) { id } }`, Header: other.Header(), Variables: map[string]any{"id": o.ID}}); res.Code() != "NOT_FOUND" {
		t.Fatalf("another shopper's order: %+v", res.Errors)
	}

	// CASH starts UNSEND; below the free-freight threshold freight is added.
	cheap := newBuyer(t, s, map[string]int{skuIDByName(t, s, "MagSafe Case Black"): 1})
	var cash placed
	mustDecode(t, cheap.place(t, s, "CASH", ""), &cash)
	if cash.PlaceOrder.Status != "UNSEND" || cash.PlaceOrder.ExpiresAt != nil || cash.PlaceOrder.Payable != "109.00" || cash.PlaceOrder.Freight != "0.00" && cash.PlaceOrder.TotalAmount == "99.00" {
		t.Fatalf("cash order: %+v", cash.PlaceOrder)
	}
}

func mustDecode(t *testing.T, res gqltest.Response, v any) {
	t.Helper()
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	if err := json.Unmarshal(res.Data, v); err != nil {
		t.Fatal(err)
	}
}

func TestIdempotencyKeyReturnsTheFirstOrderEvenWhenCallsRace(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	id := skuIDByName(t, s, "Nimbus 14 Silver / 32 GB")
	b := newBuyer(t, s, map[string]int{id: 2})
	before := skuRow(t, s, id).Stock

	ids := make([]string, 10)
	parallel(len(ids), func(i int) {
		var p placed
		mustDecode(t, b.place(t, s, "CASH", "checkout-1"), &p)
		ids[i] = p.PlaceOrder.ID
	})
	for _, x := range ids {
		if x != ids[0] {
			t.Fatalf("one key gave different orders: %v", ids)
		}
	}
	// A replay later, with the cart now empty, still returns that order.
	var replay placed
	mustDecode(t, b.place(t, s, "CASH", "checkout-1"), &replay)
	if replay.PlaceOrder.ID != ids[0] || len(replay.PlaceOrder.Lines) != 1 {
		t.Fatalf("replay = %+v", replay.PlaceOrder)
	}
	if orders, _ := counts(t, s); orders != 1 || skuRow(t, s, id).Stock != before-2 {
		t.Fatalf("%d orders, stock %d (was %d)", orders, skuRow(t, s, id).Stock, before)
	}
	// A new key with an empty cart is CART_EMPTY.
	if res := b.place(t, s, "CASH", "checkout-2"); res.Code() != "CART_EMPTY" {
		t.Fatalf("new key, empty cart: %+v", res.Errors)
	}
}

// killer kills the transaction's own connection between the inserts and the
// stock update, as a crashed network or database would.
func killer(t *testing.T, times int) (order.Option, *atomic.Int64) {
	var calls atomic.Int64
	admin, err := sql.Open("mysql", testenvServerDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	return order.WithFaultBeforeStock(func(ctx context.Context, tx *ent.Tx) error {
		if calls.Add(1) > int64(times) {
			return nil
		}
		rows, err := tx.QueryContext(ctx, "SELECT CONNECTION_ID()")
		if err != nil {
			return err
		}
		var id int64
		for rows.Next() {
			if err := rows.Scan(&id); err != nil {
				return err
			}
		}
		rows.Close()
		_, err = admin.ExecContext(ctx, fmt.Sprintf("KILL CONNECTION %d", id))
		return err
	}), &calls
}

func TestAKilledConnectionLeavesNoRowsAndTheRetryPlacesOneOrder(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name       string
		kills      int
		wantOrders int
	}{
		{"killed once, retried", 1, 1},
		{"killed on every attempt", 1000, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			kill, calls := killer(t, c.kills)
			s := gqltest.Start(t, gqltest.Options{App: app.Options{Orders: []order.Option{kill}}})
			id := skuIDByName(t, s, "Studio Max Black")
			b := newBuyer(t, s, map[string]int{id: 3})
			before := skuRow(t, s, id)
			res := b.place(t, s, "CASH", "")
			orders, lines := counts(t, s)
			after := skuRow(t, s, id)
			if orders != c.wantOrders || lines != c.wantOrders || after.Stock != before.Stock-3*c.wantOrders || after.Sales != 3*c.wantOrders {
				t.Fatalf("%d orders, %d lines, stock %d -> %d; want %d orders", orders, lines, before.Stock, after.Stock, c.wantOrders)
			}
			if c.wantOrders == 1 && (len(res.Errors) > 0 || calls.Load() < 2) {
				t.Fatalf("the retry did not place the order: %+v (attempts %d)", res.Errors, calls.Load())
			}
			if c.wantOrders == 0 {
				// No order, and the database kept failing: the client is
				// told to try again, not refused.
				wantUnavailable(t, "every attempt killed", res)
				if c, _ := cartCall(t, s, b.Header(), cartDoc, nil); c.LineCount != 1 {
					t.Fatal("a failed order emptied the cart")
				}
			}
		})
	}
}

func TestPlaceOrderBadInput(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	id := skuIDByName(t, s, "Echo Buds Green")
	b := newBuyer(t, s, map[string]int{id: 1})
	other := newBuyer(t, s, nil)
	send := func(h http.Header, in map[string]any) gqltest.Response {
		return s.Post(t, gqltest.Request{Query: placeDoc, Header: h, Variables: map[string]any{"in": in}})
	}
	in := func(addr, method, key any) map[string]any {
		return map[string]any{"addressId": addr, "payMethod": method, "idempotencyKey": key}
	}
	cases := []struct {
		name string
		h    http.Header
		in   map[string]any
		code string
	}{
		{"unauthenticated", nil, in(b.addressID, "CASH", "k1"), "UNAUTHENTICATED"},
		{"someone else's address", b.Header(), in(other.addressID, "CASH", "k1"), "NOT_FOUND"},
		{"unknown address", b.Header(), in(gid.Encode(12345678), "CASH", "k1"), "NOT_FOUND"},
		{"malformed address id", b.Header(), in("nope", "CASH", "k1"), "BAD_USER_INPUT"},
		{"unknown pay method", b.Header(), in(b.addressID, "BITCOIN", "k1"), "BAD_USER_INPUT"},
		{"pay method of the wrong type", b.Header(), in(b.addressID, 2, "k1"), "BAD_USER_INPUT"},
		{"missing key", b.Header(), in(b.addressID, "CASH", ""), "BAD_USER_INPUT"},
		{"over-long key", b.Header(), in(b.addressID, "CASH", strings.Repeat("k", 65)), "BAD_USER_INPUT"},
		{"key with spaces", b.Header(), in(b.addressID, "CASH", "a key"), "BAD_USER_INPUT"},
		{"empty cart", other.Header(), in(other.addressID, "CASH", "k1"), "CART_EMPTY"},
	}
	for _, c := range cases {
		if res := send(c.h, c.in); res.Code() != c.code {
			t.Errorf("%s: %+v, want %s", c.name, res.Errors, c.code)
		}
	}
	// A SKU withdrawn after it went into the cart.
	raw, _ := gid.Decode(id)
	s.App.DB.Client.SKU.UpdateOneID(raw).SetLaunched(false).ExecX(t.Context())
	res := b.place(t, s, "CASH", "")
	if res.Code() != "SKU_UNAVAILABLE" || res.Errors[0].Extensions["skuId"] != id {
		t.Fatalf("withdrawn SKU: %+v", res.Errors)
	}
	s.App.DB.Client.SKU.UpdateOneID(raw).SetLaunched(true).SetStock(0).ExecX(t.Context())
	res = b.place(t, s, "CASH", "")
	if res.Code() != "INSUFFICIENT_STOCK" || res.Errors[0].Extensions["left"] != float64(0) {
		t.Fatalf("sold out: %+v", res.Errors)
	}
	if orders, lines := counts(t, s); orders != 0 || lines != 0 {
		t.Fatalf("failed orders left %d orders and %d lines", orders, lines)
	}
	if n, _ := s.App.DB.Client.OrderGoods.Query().Where(ordergoods.SkuID(raw)).Count(t.Context()); n != 0 {
		t.Fatal("lines remain")
	}
}

// The embedded default (SQLite and an in-process Redis) runs the same code.
func TestPlaceOrderOnTheEmbeddedDefault(t *testing.T) {
	t.Parallel()
	// Its buyers register without SMS codes: orders are what is tested.
	cfg, err := config.Load([]string{"-data-dir", t.TempDir(), "-argon2-memory-kib", "1024", "-require-sms=false"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	hs := httptest.NewServer(a.Handler)
	t.Cleanup(hs.Close)
	s := &gqltest.Server{URL: hs.URL, App: a}
	hot := skuIDByName(t, s, "Echo Buds White")
	rid, _ := gid.Decode(hot)
	a.DB.Client.SKU.UpdateOneID(rid).SetStock(10).ExecX(t.Context())

	buyers := make([]buyer, 20)
	for i := range buyers {
		buyers[i] = newBuyer(t, s, map[string]int{hot: 1})
	}
	codes := make([]string, len(buyers))
	parallel(len(buyers), func(i int) { codes[i] = buyers[i].place(t, s, "CASH", "").Code() })
	tally := map[string]int{}
	for _, c := range codes {
		tally[c]++
	}
	k, _ := a.DB.Client.SKU.Query().Where(sku.ID(rid)).Only(t.Context())
	if tally[""] != 10 || tally["INSUFFICIENT_STOCK"] != 10 || k.Stock != 0 || k.Sales != 10 {
		t.Fatalf("on SQLite: %v, stock %d, sales %d", tally, k.Stock, k.Sales)
	}
	// Concurrent one-SKU orders are combined; each must own its line.
	if orders, lines := counts(t, s); orders != 10 || lines != 10 {
		t.Fatalf("on SQLite: %d orders, %d lines", orders, lines)
	}
	if bare, err := a.DB.Client.OrderInfo.Query().Where(orderinfo.Not(orderinfo.HasLines())).Count(t.Context()); err != nil || bare != 0 {
		t.Fatalf("on SQLite: %d orders without lines (%v)", bare, err)
	}
}

func testenvServerDSN() string { return testenv.MySQLServerDSN() }

// An order line names its SKU by the same opaque id the catalog uses, so a
// client can fetch the SKU again, and keeps naming it after the SKU is
// withdrawn (when the line's sku is null).
func TestAnOrderLineNamesItsSKUByItsOpaqueID(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	id := skuIDByName(t, s, "Echo Buds Green")
	b := newBuyer(t, s, map[string]int{id: 1})
	var p placed
	mustDecode(t, b.place(t, s, "CASH", ""), &p)
	doc := `query($id: ID!) { order(id: $id) { lines { skuID sku { id } } } }`
	type lines struct {
		Order struct {
			Lines []struct {
				SkuID string
				Sku   *struct{ ID string }
			}
		}
	}
	var got lines
	s.As(t, b.Shopper, doc, map[string]any{"id": p.PlaceOrder.ID}, &got)
	if l := got.Order.Lines; len(l) != 1 || l[0].SkuID != id || l[0].Sku == nil || l[0].Sku.ID != id {
		t.Fatalf("lines %+v; want skuID %s, the SKU's id", got.Order.Lines, id)
	}
	var again struct{ Sku struct{ Name string } }
	s.Query(t, `query($id: ID!) { sku(id: $id) { name } }`, map[string]any{"id": got.Order.Lines[0].SkuID}, &again)
	if again.Sku.Name != "Echo Buds Green" {
		t.Fatalf("sku(id: skuID) = %+v", again)
	}

	k := skuRow(t, s, id)
	if err := s.App.DB.Client.SKU.UpdateOne(k).SetLaunched(false).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	got = lines{}
	s.As(t, b.Shopper, doc, map[string]any{"id": p.PlaceOrder.ID}, &got)
	if l := got.Order.Lines; len(l) != 1 || l[0].SkuID != id || l[0].Sku != nil {
		t.Fatalf("after the SKU was withdrawn: lines %+v; want skuID %s and no sku", got.Order.Lines, id)
	}
}
