package cart_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/cart"
	"github.com/storefront/storefront/internal/ratelimit"
)

func TestALineHoldsAtMostTheSKUsPurchaseLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	const flash = 500
	e.catalog.set(cart.SKUFacts{ID: flash, Name: "flash sale", Price: 100, Stock: 1000, Launched: true, PurchaseLimit: 2})
	o := cart.User(7)
	wantLimit := func(err error) {
		t.Helper()
		var lim apperr.PurchaseLimit
		if !errors.As(err, &lim) || lim.SKU() != flash || lim.Limit != 2 || lim.Left != 2 {
			t.Fatalf("err = %v; want PURCHASE_LIMIT of 2", err)
		}
	}
	_, err := e.store.Add(ctx, o, flash, 3)
	wantLimit(err)
	e.add(t, o, flash, 2)
	_, err = e.store.Add(ctx, o, flash, 1)
	wantLimit(err)
	_, err = e.store.Update(ctx, o, flash, 3, nil)
	wantLimit(err)
	if _, err := e.store.Update(ctx, o, flash, 1, nil); err != nil {
		t.Fatal(err)
	}
	// Without a limit only the stock and the line's 999 bound count.
	e.add(t, o, 1, 900)
	wantLines(t, e.lines(t, o), line(flash, 1), line(1, 900))
}

func TestANewGuestCartLivesADayUntilItIsUsedAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	about := func(t *testing.T, key string, want time.Duration) {
		t.Helper()
		if ttl := e.rdb.PTTL(ctx, key).Val(); ttl > want || ttl < want-time.Minute {
			t.Fatalf("TTL = %v, want about %v", ttl, want)
		}
	}
	newCart := func(t *testing.T) (cart.Owner, string) {
		tok := newToken(t)
		e.add(t, cart.Guest(tok), 1, 1)
		key := e.prefix + "cart:{g" + tok + "}"
		about(t, key, cart.NewGuestTTL)
		return cart.Guest(tok), key
	}

	// One touch, and the reads of the same visit: a day.
	g, key := newCart(t)
	if _, err := e.store.View(ctx, g); err != nil {
		t.Fatal(err)
	}
	about(t, key, cart.NewGuestTTL)
	// A second change: the full 30 days.
	e.add(t, g, 2, 1)
	about(t, key, cart.GuestTTL)

	// A read on a later visit (the cart is an hour old) does it too.
	g, key = newCart(t)
	e.rdb.PExpire(ctx, key, cart.NewGuestTTL-time.Hour)
	if _, err := e.store.Lines(ctx, g); err != nil {
		t.Fatal(err)
	}
	about(t, key, cart.GuestTTL)
}

func TestGuestCartsFromOneAddressAreRateLimited(t *testing.T) {
	t.Parallel()
	addr := "198.51.100.7"
	e := newEnv(t)
	limited := newEnv(t, cart.WithGuestLimit(ratelimit.New(e.rdb, e.prefix), cart.GuestCartRule))
	ctx := context.Background()
	for i := range cart.GuestCartRule.Burst {
		if _, err := limited.store.NewGuest(ctx, addr); err != nil {
			t.Fatalf("guest cart %d: %v", i, err)
		}
	}
	_, err := limited.store.NewGuest(ctx, addr)
	var coded *apperr.Error
	if !errors.As(err, &coded) || coded.Code() != apperr.CodeRateLimited || coded.Extensions()["retryAfter"] == nil {
		t.Fatalf("one more: %v; want RATE_LIMITED with retryAfter", err)
	}
	// Another address is not held back.
	if _, err := limited.store.NewGuest(ctx, "198.51.100.8"); err != nil {
		t.Fatal(err)
	}
}

// One IPv6 subscriber holds a whole /64: rotating addresses inside it must
// not buy fresh guest carts, as it buys no fresh login attempts.
func TestGuestCartsFromOneIPv6SubscriberShareOneBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	limited := newEnv(t, cart.WithGuestLimit(ratelimit.New(e.rdb, e.prefix), cart.GuestCartRule))
	ctx := context.Background()
	for i := range cart.GuestCartRule.Burst {
		if _, err := limited.store.NewGuest(ctx, fmt.Sprintf("2001:db8:7:7::%x", i+1)); err != nil {
			t.Fatalf("guest cart %d: %v", i, err)
		}
	}
	if _, err := limited.store.NewGuest(ctx, "2001:db8:7:7:ffff::1"); apperr.CodeOf(err) != apperr.CodeRateLimited {
		t.Fatalf("one more from the same /64: %v; want RATE_LIMITED", err)
	}
	if _, err := limited.store.NewGuest(ctx, "2001:db8:7:8::1"); err != nil {
		t.Fatalf("the next /64 is another subscriber: %v", err)
	}
}
