//go:build chaos

package graph_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/app"
	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/faultproxy"
	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/order"
	"github.com/storefront/storefront/internal/testenv"
)

// The database freezes in the middle of a checkout (after the order's
// inserts, before its stock update, inside the flash-sale combiner's
// batch). The checkout answers UNAVAILABLE, retryable, by its deadline,
// not after the batch's 30 s cap or the read timeout, and so do a query
// and a signed-in mutation sent during the freeze. After the thaw the
// client's retry with the same key places exactly one order.
func TestACheckoutDuringADatabaseFreezeAnswersUnavailableAndItsRetryPlacesOneOrder(t *testing.T) {
	t.Parallel()
	var proxy *faultproxy.Proxy
	var froze atomic.Bool
	freezeOnce := order.WithFaultBeforeStock(func(context.Context, *ent.Tx) error {
		if !froze.Swap(true) {
			proxy.Freeze()
		}
		return nil
	})
	s := gqltest.Start(t, gqltest.Options{
		Config: func(c *config.Config) {
			mc, err := mysql.ParseDSN(c.MySQLDSN)
			if err != nil {
				t.Fatal(err)
			}
			proxy = faultproxy.Start(t, mc.Addr)
			c.MySQLDSN = proxy.MySQLDSN(t, c.MySQLDSN)
			c.RequestTimeout = 2 * time.Second
		},
		App: app.Options{Orders: []order.Option{freezeOnce}},
	})
	id := skuIDByName(t, s, "Studio Max Black")
	b := newBuyer(t, s, map[string]int{id: 1})
	placeReq := gqltest.Request{Query: placeDoc, Header: b.Header(), Variables: map[string]any{
		"in": map[string]any{"addressId": b.addressID, "payMethod": "CASH", "idempotencyKey": "during-the-freeze"}}}

	// Well below the combiner's 30 s batch cap and the 30 s read timeout,
	// either of which would otherwise be what ends the wait.
	const beforeTheCaps = 25 * time.Second
	res := postWithin(t, s, placeReq, beforeTheCaps)
	if !froze.Load() {
		t.Fatal("the checkout never reached its stock update")
	}
	assertUnavailable(t, res)
	assertUnavailable(t, postWithin(t, s, gqltest.Request{Query: categoriesDoc}, beforeTheCaps))
	// A mutation checks its shopper's session in the database before any
	// field runs.
	assertUnavailable(t, postWithin(t, s, gqltest.Request{Query: addDoc, Header: b.Header(),
		Variables: map[string]any{"id": id, "n": 1}}, beforeTheCaps))

	proxy.Thaw()
	var p placed
	mustDecode(t, postWithin(t, s, placeReq, time.Minute), &p)
	if orders, lines := counts(t, s); orders != 1 || lines != 1 {
		t.Fatalf("%d orders, %d lines after the retry; want 1 and 1", orders, lines)
	}
}

// A Redis that stops answering (here SIGSTOPped: its connections stay
// open) fails the cart's calls with UNAVAILABLE, retryable, once their
// deadline passes; after it resumes the cart is there as it was.
func TestACartCallWhileRedisIsFrozenAnswersUnavailable(t *testing.T) {
	t.Parallel()
	rs := testenv.StartRedisServer(t)
	s := gqltest.Start(t, gqltest.Options{Config: func(c *config.Config) {
		c.RedisAddr = rs.Addr
		c.RequestTimeout = time.Second
	}})
	id := skuIDByName(t, s, "Studio Max Black")
	sh := s.NewShopper(t)
	if _, res := cartCall(t, s, sh.Header(), addDoc, map[string]any{"id": id, "n": 2}); len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}

	rs.Pause()
	assertUnavailable(t, postWithin(t, s, gqltest.Request{Query: cartDoc, Header: sh.Header()}, time.Minute))
	rs.Resume()

	c, res := cartCall(t, s, sh.Header(), cartDoc, nil)
	if len(res.Errors) > 0 || c.LineCount != 1 || c.Lines[0].Count != 2 {
		t.Fatalf("after Redis resumed: %+v %+v", c, res.Errors)
	}
}
