package cart_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/cart"
	"github.com/storefront/storefront/internal/money"
	"github.com/storefront/storefront/internal/testenv"
)

// catalog is a fake cart.Catalog: a map a test can change while it runs,
// the way stock and launches change under a real cart.
type catalog struct {
	mu   sync.Mutex
	skus map[int]cart.SKUFacts
}

func (c *catalog) SKUFacts(_ context.Context, ids []int) (map[int]cart.SKUFacts, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[int]cart.SKUFacts, len(ids))
	for _, id := range ids {
		if f, ok := c.skus[id]; ok {
			out[id] = f
		}
	}
	return out, nil
}

func (c *catalog) set(f cart.SKUFacts) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.skus[f.ID] = f
}

func (c *catalog) drop(id int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.skus, id)
}

// SKUs of the default catalog.
const (
	skuUnlaunched = 900 // in the catalog, not on sale
	skuFewLeft    = 901 // launched, stock 5
	skuMissing    = 999 // not in the catalog at all
	stockPlenty   = 1000
)

// price of SKU id in the default catalog: id yuan.
func price(id int) money.Fen { return money.Fen(id * 100) }

type env struct {
	store   *cart.Store
	rdb     redis.UniversalClient
	catalog *catalog
	prefix  string
}

// newEnv returns a cart store on the test Redis under a fresh prefix, over
// a catalog of launched SKUs 1..300 (stock 1000, price id yuan) plus the
// special SKUs above.
func newEnv(t *testing.T, opts ...cart.Option) *env {
	t.Helper()
	addr, prefix := testenv.Redis(t)
	rdb := testenv.NewRedisClient(t, addr)
	c := &catalog{skus: map[int]cart.SKUFacts{}}
	for id := 1; id <= 300; id++ {
		c.set(cart.SKUFacts{ID: id, Name: fmt.Sprintf("SKU %d", id), Price: price(id), Stock: stockPlenty, Launched: true})
	}
	c.set(cart.SKUFacts{ID: skuUnlaunched, Name: "withdrawn", Price: 500, Stock: 100, Launched: false})
	c.set(cart.SKUFacts{ID: skuFewLeft, Name: "last few", Price: 700, Stock: 5, Launched: true})
	return &env{store: cart.New(rdb, prefix, c, opts...), rdb: rdb, catalog: c, prefix: prefix}
}

func newToken(t *testing.T) string {
	t.Helper()
	tok, err := cart.NewGuestToken()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (e *env) add(t *testing.T, o cart.Owner, sku, count int) {
	t.Helper()
	if _, err := e.store.Add(context.Background(), o, sku, count); err != nil {
		t.Fatalf("Add(%v, sku %d, %d): %v", o, sku, count, err)
	}
}

func (e *env) lines(t *testing.T, o cart.Owner) []cart.Line {
	t.Helper()
	ls, err := e.store.Lines(context.Background(), o)
	if err != nil {
		t.Fatalf("Lines(%v): %v", o, err)
	}
	return ls
}

func wantLines(t *testing.T, got []cart.Line, want ...cart.Line) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("lines = %v, want %v", got, want)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("err = %v (code %q), want code %s", err, got, code)
	}
}

func ptr[T any](v T) *T { return &v }

// line is a selected line.
func line(id, count int) cart.Line { return cart.Line{SKUID: id, Count: count, Selected: true} }

func TestGuestTokensAreRandom256BitBase64URL(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 100 {
		tok := newToken(t)
		b, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(b) < 16 {
			t.Fatalf("token %q: %d bytes, %v; want >= 128 bits of base64url", tok, len(b), err)
		}
		if err := cart.ValidateGuestToken(tok); err != nil {
			t.Fatalf("a fresh token %q is refused: %v", tok, err)
		}
		if seen[tok] {
			t.Fatalf("token %q issued twice", tok)
		}
		seen[tok] = true
	}
}

func TestMalformedOwnerIsBadUserInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	good := newToken(t)
	cases := map[string]cart.Owner{
		"nobody":                    {},
		"both user and guest":       {UserID: 1, GuestToken: good},
		"negative user":             cart.User(-1),
		"short token":               cart.Guest("abc"),
		"token one char too long":   cart.Guest(good + "A"),
		"token one char too short":  cart.Guest(good[1:]),
		"key material: brace":       cart.Guest("}" + good[1:]),
		"key material: glob":        cart.Guest("*" + good[1:]),
		"key material: colon":       cart.Guest(":" + good[1:]),
		"standard base64 alphabet":  cart.Guest("+" + good[1:]),
		"padding":                   cart.Guest(good[:42] + "="),
		"non-canonical last char":   cart.Guest(good[:42] + nonCanonicalLast(good[42])),
		"another visitor's key tag": cart.Guest(good + "}:{u1"),
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := e.store.Add(ctx, o, 1, 1)
			wantCode(t, err, apperr.CodeBadUserInput)
			_, err = e.store.Update(ctx, o, 1, 1, nil)
			wantCode(t, err, apperr.CodeBadUserInput)
			_, err = e.store.Lines(ctx, o)
			wantCode(t, err, apperr.CodeBadUserInput)
			_, err = e.store.View(ctx, o)
			wantCode(t, err, apperr.CodeBadUserInput)
			wantCode(t, e.store.Remove(ctx, o, []int{1}), apperr.CodeBadUserInput)
			wantCode(t, e.store.SelectAll(ctx, o, true), apperr.CodeBadUserInput)
			wantCode(t, e.store.RemovePurchased(ctx, o, 1, []cart.Line{line(1, 1)}), apperr.CodeBadUserInput)
			if o.UserID == 0 && o.GuestToken != "" {
				_, err = e.store.Merge(ctx, o.GuestToken, 1)
				wantCode(t, err, apperr.CodeBadUserInput)
			}
		})
	}
	_, err := e.store.Merge(ctx, good, 0)
	wantCode(t, err, apperr.CodeBadUserInput)
	if n, _ := testenv.Keys(ctx, e.rdb, e.prefix+"*"); len(n) != 0 {
		t.Fatalf("refused calls left keys behind: %v", n)
	}
}

// nonCanonicalLast returns a base64url character that decodes to the same
// bytes as c but sets padding bits that an encoder never sets.
func nonCanonicalLast(c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, c)
	return string(alphabet[i^1])
}

func TestKeyLayout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.add(t, cart.User(42), 7, 2)
	e.add(t, cart.User(42), 3, 1)
	tok := newToken(t)
	e.add(t, cart.Guest(tok), 5, 4)

	user := e.prefix + "cart:{u42}"
	got, err := e.rdb.HGetAll(ctx, user).Result()
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"7": "2:1:1", "3": "1:1:2"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("HGETALL %s = %v, want %v", user, got, want)
	}
	if ttl := e.rdb.TTL(ctx, user).Val(); ttl != -1 {
		t.Fatalf("a shopper cart has TTL %v, want none", ttl)
	}
	guest := e.prefix + "cart:{g" + tok + "}"
	if v := e.rdb.HGet(ctx, guest, "5").Val(); v != "4:1:1" {
		t.Fatalf("HGET %s 5 = %q, want 4:1:1", guest, v)
	}
	if keys, _ := testenv.Keys(ctx, e.rdb, e.prefix+"*"); len(keys) != 2 {
		t.Fatalf("keys = %v, want exactly one per cart", keys)
	}
}

func TestAddAccumulatesOnOneLine(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := cart.User(1)
	l, err := e.store.Add(ctx, u, 10, 3)
	if err != nil || l != line(10, 3) {
		t.Fatalf("first Add = %v, %v; want a new selected line of 3", l, err)
	}
	l, err = e.store.Add(ctx, u, 10, 2)
	if err != nil || l != line(10, 5) {
		t.Fatalf("second Add = %v, %v; want the same line with 5", l, err)
	}
	// A shopper who deselected a line and adds more keeps it deselected:
	// only a new line starts selected.
	if _, err := e.store.Update(ctx, u, 10, 5, ptr(false)); err != nil {
		t.Fatal(err)
	}
	e.add(t, u, 10, 1)
	wantLines(t, e.lines(t, u), cart.Line{SKUID: 10, Count: 6})
}

func TestCountOutsideOneTo999IsBadUserInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := cart.User(1)
	e.add(t, u, 1, 2)
	for _, count := range []int{0, -1, 1000, -1 << 40} {
		t.Run(fmt.Sprint(count), func(t *testing.T) {
			_, err := e.store.Add(ctx, u, 2, count)
			wantCode(t, err, apperr.CodeBadUserInput)
			if !strings.Contains(err.Error(), "between 1 and 999") {
				t.Fatalf("message %q does not name the rule", err)
			}
			_, err = e.store.Update(ctx, u, 1, count, nil)
			wantCode(t, err, apperr.CodeBadUserInput)
		})
	}
	wantLines(t, e.lines(t, u), line(1, 2))
}

func TestAddingPast999OnOneLineIsBadUserInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.catalog.set(cart.SKUFacts{ID: 1, Price: 1, Stock: 5000, Launched: true})
	u := cart.User(1)
	e.add(t, u, 1, 998)
	e.add(t, u, 1, 1)
	_, err := e.store.Add(context.Background(), u, 1, 1)
	wantCode(t, err, apperr.CodeBadUserInput)
	if !strings.Contains(err.Error(), "999") {
		t.Fatalf("message %q does not name the limit", err)
	}
	wantLines(t, e.lines(t, u), line(1, 999))
}

func TestSKUNotOnSaleIsUnavailable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := cart.User(1)
	for name, sku := range map[string]int{"not launched": skuUnlaunched, "not in catalog": skuMissing, "zero id": 0} {
		t.Run(name, func(t *testing.T) {
			_, err := e.store.Add(ctx, u, sku, 1)
			var ua apperr.SKUUnavailable
			if !errors.As(err, &ua) || ua.SKUID != sku {
				t.Fatalf("Add = %v, want SKUUnavailable{%d}", err, sku)
			}
			wantCode(t, err, apperr.CodeSKUUnavailable)
			_, err = e.store.Update(ctx, u, sku, 1, nil)
			wantCode(t, err, apperr.CodeSKUUnavailable)
		})
	}
	wantLines(t, e.lines(t, u))
}

func TestCountAboveStockIsInsufficientStock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type step struct {
		update bool // Update to count instead of Add count
		count  int
		ok     bool
	}
	cases := []struct {
		name  string
		steps []step
		want  int // count in the cart afterwards
	}{
		{"one more than stock", []step{{false, 6, false}}, 0},
		{"exactly the stock", []step{{false, 5, true}}, 5},
		{"second add passes the stock", []step{{false, 3, true}, {false, 3, false}}, 3},
		{"second add reaches the stock", []step{{false, 3, true}, {false, 2, true}}, 5},
		{"update above the stock", []step{{false, 1, true}, {true, 6, false}}, 1},
		{"update to the stock", []step{{false, 1, true}, {true, 5, true}}, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			u := cart.User(1)
			for _, s := range c.steps {
				var err error
				if s.update {
					_, err = e.store.Update(ctx, u, skuFewLeft, s.count, nil)
				} else {
					_, err = e.store.Add(ctx, u, skuFewLeft, s.count)
				}
				if s.ok {
					if err != nil {
						t.Fatalf("step %+v: %v", s, err)
					}
					continue
				}
				var is apperr.InsufficientStock
				if !errors.As(err, &is) || is.SKUID != skuFewLeft || is.Left != 5 {
					t.Fatalf("step %+v = %v, want InsufficientStock{%d, 5}", s, err, skuFewLeft)
				}
				wantCode(t, err, apperr.CodeInsufficientStock)
				if ext := is.Extensions(); ext["left"] != 5 {
					t.Fatalf("extensions = %v, want left: 5", ext)
				}
			}
			if c.want == 0 {
				wantLines(t, e.lines(t, u))
			} else {
				wantLines(t, e.lines(t, u), line(skuFewLeft, c.want))
			}
		})
	}
}

func TestUpdateSetsCountAndSelection(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := cart.User(1)
	e.add(t, u, 1, 1)
	e.add(t, u, 2, 1)
	if l, err := e.store.Update(ctx, u, 1, 7, nil); err != nil || l != line(1, 7) {
		t.Fatalf("Update without selection = %v, %v", l, err)
	}
	if l, err := e.store.Update(ctx, u, 1, 4, ptr(false)); err != nil || l != (cart.Line{SKUID: 1, Count: 4}) {
		t.Fatalf("Update deselecting = %v, %v", l, err)
	}
	if l, err := e.store.Update(ctx, u, 1, 4, nil); err != nil || l.Selected {
		t.Fatalf("Update without selection reselected the line: %v, %v", l, err)
	}
	if _, err := e.store.Update(ctx, u, 1, 4, ptr(true)); err != nil {
		t.Fatal(err)
	}
	wantLines(t, e.lines(t, u), line(1, 4), line(2, 1))
}

func TestUpdatingALineNotInTheCartIsNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := cart.User(1)
	e.add(t, u, 1, 1)
	_, err := e.store.Update(context.Background(), u, 2, 1, ptr(true))
	wantCode(t, err, apperr.CodeNotFound)
	wantLines(t, e.lines(t, u), line(1, 1))
}

func TestRemoveDeletesOnlyTheGivenLines(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := cart.User(1)
	for _, id := range []int{1, 2, 3} {
		e.add(t, u, id, id)
	}
	if err := e.store.Remove(ctx, u, []int{1, 3, 77}); err != nil {
		t.Fatal(err)
	}
	wantLines(t, e.lines(t, u), line(2, 2))
	if err := e.store.Remove(ctx, u, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.store.Remove(ctx, u, []int{2}); err != nil {
		t.Fatal(err)
	}
	wantLines(t, e.lines(t, u))
	if n := e.rdb.Exists(ctx, e.prefix+"cart:{u1}").Val(); n != 0 {
		t.Fatal("an emptied cart left its key behind")
	}
}

func TestSelectAllAndSelected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := cart.User(1)
	for _, id := range []int{4, 2, 6} {
		e.add(t, u, id, 1)
	}
	if err := e.store.SelectAll(ctx, u, false); err != nil {
		t.Fatal(err)
	}
	got, err := e.store.Selected(ctx, u)
	if err != nil || len(got) != 0 {
		t.Fatalf("Selected after deselecting all = %v, %v", got, err)
	}
	if _, err := e.store.Update(ctx, u, 6, 3, ptr(true)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Update(ctx, u, 4, 1, ptr(true)); err != nil {
		t.Fatal(err)
	}
	got, err = e.store.Selected(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, got, line(4, 1), line(6, 3))
	if err := e.store.SelectAll(ctx, u, true); err != nil {
		t.Fatal(err)
	}
	wantLines(t, e.lines(t, u), line(4, 1), line(2, 1), line(6, 3))
	if err := e.store.SelectAll(ctx, cart.User(2), true); err != nil {
		t.Fatalf("SelectAll on an empty cart: %v", err)
	}
}

func TestLinesKeepTheOrderTheyWereFirstAdded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := cart.User(1)
	for _, id := range []int{30, 10, 20, 30} {
		e.add(t, u, id, 1)
	}
	wantLines(t, e.lines(t, u), line(30, 2), line(10, 1), line(20, 1))
	// Removed and added again: it is a new line, so it goes last.
	if err := e.store.Remove(ctx, u, []int{10}); err != nil {
		t.Fatal(err)
	}
	e.add(t, u, 10, 1)
	wantLines(t, e.lines(t, u), line(30, 2), line(20, 1), line(10, 1))
}

func TestTheHundredAndFirstLineIsCartFull(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := cart.User(1)
	for id := 1; id <= cart.MaxLines; id++ {
		e.add(t, u, id, 1)
	}
	_, err := e.store.Add(ctx, u, cart.MaxLines+1, 1)
	wantCode(t, err, apperr.CodeCartFull)
	// A full cart still takes more of what it holds.
	e.add(t, u, 50, 1)
	ls := e.lines(t, u)
	if len(ls) != cart.MaxLines || ls[49] != line(50, 2) {
		t.Fatalf("after CART_FULL: %d lines, line 50 = %v", len(ls), ls[49])
	}
	// Room again after a removal.
	if err := e.store.Remove(ctx, u, []int{1}); err != nil {
		t.Fatal(err)
	}
	e.add(t, u, cart.MaxLines+1, 1)
}

func TestFiftyDevicesAddingOneUnitLoseNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := cart.User(1)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			if _, err := e.store.Add(context.Background(), u, 1, 1); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	wantLines(t, e.lines(t, u), line(1, 50))
}

func TestFiftyDevicesAddingFiftySKUsGetFiftyLines(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := cart.User(1)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for id := 1; id <= 50; id++ {
		wg.Go(func() {
			if _, err := e.store.Add(context.Background(), u, id, id); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	ls := e.lines(t, u)
	if len(ls) != 50 {
		t.Fatalf("%d lines, want 50", len(ls))
	}
	ids := map[int]bool{}
	for _, l := range ls {
		if l.Count != l.SKUID || !l.Selected {
			t.Fatalf("line %v lost or mixed up a write", l)
		}
		ids[l.SKUID] = true
	}
	if len(ids) != 50 {
		t.Fatalf("duplicate lines: %v", ls)
	}
	// Every line got its own place in the order: listing is stable.
	for range 3 {
		wantLines(t, e.lines(t, u), ls...)
	}
}

func TestOrderTakesOnlyWhatItBoughtFromTheCart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := cart.User(1)
	e.add(t, u, 1, 2)
	e.add(t, u, 2, 1)
	e.add(t, u, 3, 4)
	if _, err := e.store.Update(ctx, u, 3, 4, ptr(false)); err != nil {
		t.Fatal(err)
	}
	bought, err := e.store.Selected(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	// While the order is being placed, the shopper's phone adds 3 more of SKU 1.
	e.add(t, u, 1, 3)
	if err := e.store.RemovePurchased(ctx, u, 1, bought); err != nil {
		t.Fatal(err)
	}
	wantLines(t, e.lines(t, u), line(1, 3), cart.Line{SKUID: 3, Count: 4})
	// A purchased line that is already gone stays gone; nothing else moves.
	if err := e.store.RemovePurchased(ctx, u, 2, []cart.Line{line(2, 1)}); err != nil {
		t.Fatal(err)
	}
	wantLines(t, e.lines(t, u), line(1, 3), cart.Line{SKUID: 3, Count: 4})
}

// The removal of an order's lines may run again: its first answer was lost,
// or a clean-up the order still owes is finished by the sweeper and by the
// shopper's next checkout at once. It takes the lines out once; units added
// since stay.
func TestAnOrdersLinesLeaveTheCartOnceHoweverOftenTheRemovalRuns(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := cart.User(5)
	e.add(t, u, 1, 2)
	e.add(t, u, 2, 1)
	bought, err := e.store.Selected(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.store.RemovePurchased(ctx, u, 41, bought); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	wantLines(t, e.lines(t, u))
	// The shopper puts SKU 1 back; the order's removal runs once more.
	e.add(t, u, 1, 1)
	if err := e.store.RemovePurchased(ctx, u, 41, bought); err != nil {
		t.Fatal(err)
	}
	wantLines(t, e.lines(t, u), line(1, 1))
	// Another order of the same lines is another removal.
	if err := e.store.RemovePurchased(ctx, u, 42, []cart.Line{line(1, 1)}); err != nil {
		t.Fatal(err)
	}
	wantLines(t, e.lines(t, u))
	if ttl := e.rdb.PTTL(ctx, e.prefix+"cart:{u5}:bought:41").Val(); ttl <= cart.PurchasedMemory-time.Minute || ttl > cart.PurchasedMemory {
		t.Fatalf("the order's mark lives %v, want about %v", ttl, cart.PurchasedMemory)
	}
}

func TestSigningInMergesTheGuestCart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tok := newToken(t)
	g, u := cart.Guest(tok), cart.User(7)
	// The shopper's cart from an earlier visit.
	e.add(t, u, 1, 2)
	e.add(t, u, 2, 3)
	// As a visitor: more of SKU 1 (then deselected), and SKU 9.
	e.add(t, g, 9, 1)
	e.add(t, g, 1, 5)
	if _, err := e.store.Update(ctx, g, 1, 5, ptr(false)); err != nil {
		t.Fatal(err)
	}

	dropped, err := e.store.Merge(ctx, tok, 7)
	if err != nil || len(dropped) != 0 {
		t.Fatalf("Merge = %v, %v", dropped, err)
	}
	// Guest wins on SKU 1 (count and selection) and SKU 1 keeps its place;
	// SKU 9 is appended.
	merged := []cart.Line{{SKUID: 1, Count: 5}, line(2, 3), line(9, 1)}
	wantLines(t, e.lines(t, u), merged...)
	wantLines(t, e.lines(t, g))
	if n := e.rdb.Exists(ctx, e.prefix+"cart:{g"+tok+"}").Val(); n != 0 {
		t.Fatal("the guest cart is still there after the merge")
	}
	if ttl := e.rdb.TTL(ctx, e.prefix+"cart:{u7}").Val(); ttl != -1 {
		t.Fatalf("the merged shopper cart has TTL %v, want none", ttl)
	}

	// Signing in again (the guest cart is gone) changes nothing.
	dropped, err = e.store.Merge(ctx, tok, 7)
	if err != nil || len(dropped) != 0 {
		t.Fatalf("second Merge = %v, %v", dropped, err)
	}
	wantLines(t, e.lines(t, u), merged...)
}

func TestMergeIntoAnEmptyShopperCart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tok := newToken(t)
	for _, id := range []int{5, 3, 8} {
		e.add(t, cart.Guest(tok), id, id)
	}
	if _, err := e.store.Merge(ctx, tok, 3); err != nil {
		t.Fatal(err)
	}
	wantLines(t, e.lines(t, cart.User(3)), line(5, 5), line(3, 3), line(8, 8))
	if ttl := e.rdb.TTL(ctx, e.prefix+"cart:{u3}").Val(); ttl != -1 {
		t.Fatalf("a shopper cart made by a merge has TTL %v, want none", ttl)
	}
}

func TestMergeKeepsTheLineLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tok := newToken(t)
	g, u := cart.Guest(tok), cart.User(1)
	for id := 1; id <= 98; id++ {
		e.add(t, u, id, 1)
	}
	// The visitor added 252, then 250, then 5 (already in the shopper's
	// cart), then 251.
	for _, id := range []int{252, 250, 5, 251} {
		e.add(t, g, id, 2)
	}
	dropped, err := e.store.Merge(ctx, tok, 1)
	if err != nil {
		t.Fatal(err)
	}
	// The overlap takes no room; the two new lines the visitor added first
	// fill the cart to 100; the last one is dropped and reported.
	if !slices.Equal(dropped, []int{251}) {
		t.Fatalf("dropped = %v, want [251]", dropped)
	}
	ls := e.lines(t, u)
	if len(ls) != cart.MaxLines {
		t.Fatalf("%d lines after merge, want %d", len(ls), cart.MaxLines)
	}
	if ls[4] != line(5, 2) || ls[98] != line(252, 2) || ls[99] != line(250, 2) {
		t.Fatalf("merged lines 5, 99, 100 = %v %v %v", ls[4], ls[98], ls[99])
	}
	wantLines(t, e.lines(t, g))
}

func TestGuestCartLivesThirtyIdleDays(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tok := newToken(t)
	g := cart.Guest(tok)
	key := e.prefix + "cart:{g" + tok + "}"
	e.add(t, g, 1, 1)
	e.add(t, g, 2, 1)

	wantFresh := func(t *testing.T) {
		t.Helper()
		ttl := e.rdb.PTTL(ctx, key).Val()
		if ttl > cart.GuestTTL || ttl < cart.GuestTTL-time.Minute {
			t.Fatalf("TTL = %v, want about %v", ttl, cart.GuestTTL)
		}
	}
	wantFresh(t)

	// Every read and write starts the 30 days again: age the key to one
	// hour left, touch it, and see 30 days again.
	touches := map[string]func() error{
		"Lines":           func() error { _, err := e.store.Lines(ctx, g); return err },
		"View":            func() error { _, err := e.store.View(ctx, g); return err },
		"Selected":        func() error { _, err := e.store.Selected(ctx, g); return err },
		"Add":             func() error { _, err := e.store.Add(ctx, g, 1, 1); return err },
		"Update":          func() error { _, err := e.store.Update(ctx, g, 1, 2, nil); return err },
		"SelectAll":       func() error { return e.store.SelectAll(ctx, g, true) },
		"Remove":          func() error { return e.store.Remove(ctx, g, []int{77}) },
		"RemovePurchased": func() error { return e.store.RemovePurchased(ctx, g, 1, []cart.Line{line(77, 1)}) },
	}
	for name, touch := range touches {
		t.Run(name, func(t *testing.T) {
			if err := e.rdb.Expire(ctx, key, time.Hour).Err(); err != nil {
				t.Fatal(err)
			}
			if err := touch(); err != nil {
				t.Fatal(err)
			}
			wantFresh(t)
		})
	}
}

func TestIdleGuestCartExpiresButShopperCartDoesNot(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cart.WithGuestTTL(time.Second))
	ctx := context.Background()
	g := cart.Guest(newToken(t))
	u := cart.User(1)
	e.add(t, g, 1, 1)
	e.add(t, u, 1, 1)
	time.Sleep(1500 * time.Millisecond)
	wantLines(t, e.lines(t, g))
	wantLines(t, e.lines(t, u), line(1, 1))
	if ttl := e.rdb.TTL(ctx, e.prefix+"cart:{u1}").Val(); ttl != -1 {
		t.Fatalf("shopper cart TTL = %v, want none", ttl)
	}
}

func TestOneShopperNeverReachesAnothersCart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tokA, tokB := newToken(t), newToken(t)
	owners := []cart.Owner{cart.User(1), cart.User(2), cart.Guest(tokA), cart.Guest(tokB)}
	// Each owner holds its own SKU (10, 11, 12, 13) and the shared SKU 1.
	for i, o := range owners {
		e.add(t, o, 10+i, 1)
		e.add(t, o, 1, i+1)
	}
	for i, o := range owners {
		// o tries everything on the others' lines.
		for j := range owners {
			if j == i {
				continue
			}
			_, err := e.store.Update(ctx, o, 10+j, 1, ptr(false))
			wantCode(t, err, apperr.CodeNotFound)
			if err := e.store.Remove(ctx, o, []int{10 + j}); err != nil {
				t.Fatal(err)
			}
			if err := e.store.RemovePurchased(ctx, o, 100*i+j+1, []cart.Line{line(10+j, 1)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := e.store.SelectAll(ctx, owners[0], false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Add(ctx, owners[1], 1, 1); err != nil {
		t.Fatal(err)
	}
	want := [][]cart.Line{
		{{SKUID: 10, Count: 1}, {SKUID: 1, Count: 1}},
		{line(11, 1), line(1, 3)},
		{line(12, 1), line(1, 3)},
		{line(13, 1), line(1, 4)},
	}
	for i, o := range owners {
		wantLines(t, e.lines(t, o), want[i]...)
	}
}

func TestCartViewShowsCurrentFactsAndTotals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := cart.User(1)
	e.add(t, u, 1, 2)          // 1.00 x 2, selected
	e.add(t, u, 2, 3)          // 2.00 x 3, deselected below
	e.add(t, u, 3, 1)          // withdrawn below, selected
	e.add(t, u, 4, 1)          // vanishes from the catalog below, selected
	e.add(t, u, skuFewLeft, 5) // 7.00 x 5, stock drops to 4 below, selected
	if _, err := e.store.Update(ctx, u, 2, 3, ptr(false)); err != nil {
		t.Fatal(err)
	}
	e.catalog.set(cart.SKUFacts{ID: 3, Name: "withdrawn", Price: 300, Stock: 10, Launched: false})
	e.catalog.drop(4)
	e.catalog.set(cart.SKUFacts{ID: skuFewLeft, Name: "last few", Price: 700, Stock: 4, Launched: true})
	e.catalog.set(cart.SKUFacts{ID: 1, Name: "SKU 1", Price: 150, Stock: stockPlenty, Launched: true, Image: "1.jpg"})

	c, err := e.store.View(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id, count                            int
		selected, listed, available, inStock bool
		amount                               money.Fen
	}
	want := []row{
		{1, 2, true, true, true, true, 300}, // price now, not when added
		{2, 3, false, true, true, true, 600},
		{3, 1, true, true, false, true, 300},
		{4, 1, true, false, false, false, 0},
		{skuFewLeft, 5, true, true, true, false, 3500},
	}
	if len(c.Items) != len(want) {
		t.Fatalf("%d items, want %d", len(c.Items), len(want))
	}
	for i, w := range want {
		it := c.Items[i]
		got := row{it.SKUID, it.Count, it.Selected, it.Listed, it.Available, it.InStock, it.Amount}
		if got != w {
			t.Errorf("item %d = %+v, want %+v", i, got, w)
		}
		if it.SKU.ID != w.id {
			t.Errorf("item %d SKU facts for %d", i, it.SKU.ID)
		}
	}
	if c.Items[0].SKU.Name != "SKU 1" || c.Items[0].SKU.Image != "1.jpg" || c.Items[0].SKU.Price != 150 {
		t.Errorf("item 0 facts = %+v", c.Items[0].SKU)
	}
	// Selected: SKUs 1, 3, 4, 901 → 2+1+1+5 units; the amount counts the
	// lines that can be bought at all (1 and 901), not 3 (withdrawn) or 4 (gone).
	if c.LineCount != 5 || c.SelectedCount != 9 || c.SelectedAmount != 300+3500 {
		t.Fatalf("totals = lines %d, selected %d, amount %v; want 5, 9, 38.00", c.LineCount, c.SelectedCount, c.SelectedAmount)
	}

	empty, err := e.store.View(ctx, cart.User(2))
	if err != nil || len(empty.Items) != 0 || empty.LineCount != 0 || empty.SelectedAmount != 0 {
		t.Fatalf("empty View = %+v, %v", empty, err)
	}
}
