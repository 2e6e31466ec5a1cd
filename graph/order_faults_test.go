package graph_test

import (
	"context"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/orderinfo"
	"github.com/storefront/storefront/internal/app"
	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/faultproxy"
	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/order"
)

// dbBehindProxy routes the instance's MariaDB connections through a proxy
// the test can cut.
func dbBehindProxy(t *testing.T, proxy **faultproxy.Proxy) func(*config.Config) {
	return func(c *config.Config) {
		dsn, err := mysql.ParseDSN(c.MySQLDSN)
		if err != nil {
			t.Fatal(err)
		}
		*proxy = faultproxy.Start(t, dsn.Addr)
		dsn.Addr = (*proxy).Addr()
		c.MySQLDSN = dsn.FormatDSN()
	}
}

// wantUnavailable checks the answer that tells a client to try again.
func wantUnavailable(t *testing.T, what string, res gqltest.Response) {
	t.Helper()
	if res.Code() != "UNAVAILABLE" || res.Errors[0].Extensions["retryable"] != true {
		t.Fatalf("%s: %+v, want UNAVAILABLE with retryable: true", what, res.Errors)
	}
}

// A client whose placeOrder answer was lost replays its key while the
// database cannot be read. CART_EMPTY would tell it that no order was
// placed (the cart is empty because it was); it must hear "try again", and
// once the database answers, the replay returns the order.
func TestAReplayWhileTheDatabaseIsDownIsRetryableAndThenReturnsTheOrder(t *testing.T) {
	t.Parallel()
	var proxy *faultproxy.Proxy
	s := gqltest.Start(t, gqltest.Options{Config: dbBehindProxy(t, &proxy)})
	id := skuIDByName(t, s, "Studio Max Black")
	b := newBuyer(t, s, map[string]int{id: 1})
	var first placed
	mustDecode(t, b.place(t, s, "CASH", "answer-lost"), &first)

	// The database goes away as the replay looks its key up.
	proxy.CutOn("`orders`.`idempotency_key` = ")
	wantUnavailable(t, "replay while the database is down", b.place(t, s, "CASH", "answer-lost"))

	proxy.Mend()
	var replay placed
	mustDecode(t, b.place(t, s, "CASH", "answer-lost"), &replay)
	if replay.PlaceOrder.ID != first.PlaceOrder.ID || len(replay.PlaceOrder.Lines) != 1 {
		t.Fatalf("replay after the outage = %+v, want order %s", replay.PlaceOrder, first.PlaceOrder.ID)
	}
	if orders, _ := counts(t, s); orders != 1 {
		t.Fatalf("%d orders, want 1", orders)
	}
}

// placeOrder answers with the lines it has just written: asking for them
// costs no statement (a read after COMMIT could fail and turn a placed
// order into an error for its client). So does a replay, whose lookup
// reads the lines with the order.
func TestPlaceOrderAnswersWithItsLinesWithoutReadingThemAgain(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	const (
		bare      = `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { id orderNo } }`
		withLines = `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { id orderNo lines { skuName price count } } }`
	)
	one := map[string]int{skuIDByName(t, s, "Echo Buds Green"): 1}
	two := map[string]int{skuIDByName(t, s, "Echo Buds Green"): 1, skuIDByName(t, s, "MagSafe Case Black"): 1}
	statements := func(b buyer, doc, key string) int64 {
		t.Helper()
		before := s.Statements()
		res := s.Post(t, gqltest.Request{Query: doc, Header: b.Header(), Variables: map[string]any{
			"in": map[string]any{"addressId": b.addressID, "payMethod": "CASH", "idempotencyKey": key}}})
		if len(res.Errors) > 0 {
			t.Fatalf("placeOrder: %+v", res.Errors)
		}
		return s.Statements() - before
	}
	for name, cart := range map[string]map[string]int{"one SKU (combined)": one, "two SKUs (alone)": two} {
		a, b := newBuyer(t, s, cart), newBuyer(t, s, cart)
		if n, m := statements(a, bare, "k"), statements(b, withLines, "k"); n != m {
			t.Errorf("%s: placeOrder sent %d statements without lines, %d with them", name, n, m)
		}
		if n, m := statements(a, bare, "k"), statements(b, withLines, "k"); n != m {
			t.Errorf("%s: a replay sent %d statements without lines, %d with them", name, n, m)
		}
	}
}

// redisBehindProxy routes the instance's Redis connections through a proxy
// the test can cut.
func redisBehindProxy(t *testing.T, proxy **faultproxy.Proxy) func(*config.Config) {
	return func(c *config.Config) {
		*proxy = faultproxy.Start(t, c.RedisAddr)
		c.RedisAddr = (*proxy).Addr()
	}
}

// An order placed while Redis cannot be reached keeps its lines in the cart
// for a moment only: the removal it owes is kept with the order, and once
// Redis answers again (with its data: the line was cut, Redis ran on) the
// cleaner finishes it, or else the shopper's next checkout does before it
// reads the cart. Nothing is bought twice.
func TestLinesBoughtWhileRedisIsUnreachableLeaveTheCartOnceItAnswers(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		finish func(t *testing.T, s *gqltest.Server, b buyer)
	}{
		{"by the cleaner", func(t *testing.T, s *gqltest.Server, _ buyer) {
			if n, err := s.App.Orders.ClearOwedCarts(t.Context(), 100); n != 1 || err != nil {
				t.Fatalf("the cleaner finished %d clean-ups (%v), want 1", n, err)
			}
		}},
		{"at the next checkout", func(t *testing.T, s *gqltest.Server, b buyer) {
			if res := b.place(t, s, "CASH", ""); res.Code() != "CART_EMPTY" {
				t.Fatalf("the next checkout: %+v, want CART_EMPTY", res.Errors)
			}
		}},
		// The preview prices what placing would buy: not the bought line.
		{"at the next checkout preview", func(t *testing.T, s *gqltest.Server, b buyer) {
			res := s.Post(t, gqltest.Request{Query: `{ checkoutPreview { payable } }`, Header: b.Header()})
			if res.Code() != "CART_EMPTY" {
				t.Fatalf("the next preview: %s %+v, want CART_EMPTY", res.Data, res.Errors)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var (
				proxy *faultproxy.Proxy
				once  sync.Once
			)
			cutOnce := order.WithFaultBeforeStock(func(context.Context, *ent.Tx) error {
				once.Do(proxy.Cut)
				return nil
			})
			s := gqltest.Start(t, gqltest.Options{Config: redisBehindProxy(t, &proxy), App: app.Options{Orders: []order.Option{cutOnce}}})
			id := skuIDByName(t, s, "Studio Max Black")
			b := newBuyer(t, s, map[string]int{id: 2})
			before := skuRow(t, s, id)
			var p placed
			mustDecode(t, b.place(t, s, "CASH", ""), &p)
			proxy.Mend()
			if v, _ := cartCall(t, s, b.Header(), cartDoc, nil); v.LineCount != 1 {
				t.Fatalf("the cart lost its line while Redis was unreachable: %+v", v)
			}

			c.finish(t, s, b)
			if v, _ := cartCall(t, s, b.Header(), cartDoc, nil); v.LineCount != 0 {
				t.Fatalf("the bought line is still in the cart: %+v", v.Lines)
			}
			if res := b.place(t, s, "CASH", ""); res.Code() != "CART_EMPTY" {
				t.Fatalf("a checkout after the clean-up: %+v, want CART_EMPTY", res.Errors)
			}
			orders, _ := counts(t, s)
			if after := skuRow(t, s, id); orders != 1 || after.Stock != before.Stock-2 {
				t.Fatalf("%d orders, stock %d -> %d: the lines were bought twice", orders, before.Stock, after.Stock)
			}
			if n, _ := s.App.DB.Client.OrderInfo.Query().Where(orderinfo.CartOwed(true)).Count(t.Context()); n != 0 {
				t.Fatalf("%d orders still owe their cart", n)
			}
		})
	}
}

// The answer to an order's cart removal is lost on its way back from
// Redis: the lines did leave the cart, but the order cannot know it and
// still owes the clean-up. Finishing it later takes nothing more: a unit
// the shopper put back since stays, and is what the next order buys.
func TestACartRemovalWhoseAnswerWasLostTakesNothingMoreWhenFinished(t *testing.T) {
	t.Parallel()
	var proxy *faultproxy.Proxy
	s := gqltest.Start(t, gqltest.Options{Config: redisBehindProxy(t, &proxy)})
	id := skuIDByName(t, s, "Studio Max Black")
	b := newBuyer(t, s, map[string]int{id: 2})
	proxy.LoseAnswerTo(":bought:")
	var first placed
	mustDecode(t, b.place(t, s, "CASH", ""), &first)
	proxy.Mend()
	if n, _ := s.App.DB.Client.OrderInfo.Query().Where(orderinfo.CartOwed(true)).Count(t.Context()); n != 1 {
		t.Fatalf("%d orders owe their cart, want the one whose removal was not confirmed", n)
	}

	if _, res := cartCall(t, s, b.Header(), addDoc, map[string]any{"id": id, "n": 1}); len(res.Errors) > 0 {
		t.Fatalf("add to cart: %+v", res.Errors)
	}
	if n, err := s.App.Orders.ClearOwedCarts(t.Context(), 100); n != 1 || err != nil {
		t.Fatalf("the cleaner finished %d clean-ups (%v), want 1", n, err)
	}
	if v, _ := cartCall(t, s, b.Header(), cartDoc, nil); v.LineCount != 1 || v.Lines[0].Count != 1 {
		t.Fatalf("the cart holds %+v, want the unit put back", v.Lines)
	}
	var next placed
	mustDecode(t, b.place(t, s, "CASH", ""), &next)
	if next.PlaceOrder.TotalCount != 1 {
		t.Fatalf("the next order bought %d units, want 1", next.PlaceOrder.TotalCount)
	}
}
