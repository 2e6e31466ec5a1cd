package graph_test

import (
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/faultproxy"
	"github.com/storefront/storefront/internal/gqltest"
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
