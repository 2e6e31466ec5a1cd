package cart_test

import (
	"context"
	"slices"
	"testing"

	"github.com/storefront/storefront/internal/cart"
	"github.com/storefront/storefront/internal/testenv"
)

// On a Redis Cluster a guest cart and a shopper cart live in different
// slots, so a merge is two steps: the guest's lines go into the shopper's
// cart, then the guest cart goes. These tests stop it in between, the way
// a crash or a lost answer does, and sign in again.

// A sign-in whose answer was lost is retried: the guest's lines are in the
// shopper's cart once, and what the shopper did with them in between (on
// another device) stands.
func TestARetriedMergeAppliesTheGuestCartOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tok := newToken(t)
	g, u := cart.Guest(tok), cart.User(12)
	e.add(t, u, 1, 1)
	e.add(t, g, 1, 4)
	e.add(t, g, 2, 2)

	if _, err := e.store.ApplyGuestLines(ctx, tok, 12); err != nil {
		t.Fatal(err)
	}
	wantLines(t, e.lines(t, u), line(1, 4), line(2, 2))
	// The shopper's phone: fewer of SKU 1, SKU 2 taken out.
	if _, err := e.store.Update(ctx, u, 1, 3, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.store.Remove(ctx, u, []int{2}); err != nil {
		t.Fatal(err)
	}

	if _, err := e.store.Merge(ctx, tok, 12); err != nil {
		t.Fatal(err)
	}
	wantLines(t, e.lines(t, u), line(1, 3))
	wantLines(t, e.lines(t, g))
	if keys, _ := testenv.Keys(ctx, e.rdb, e.prefix+"*"); len(keys) != 1 {
		t.Fatalf("keys after the merge = %v, want only the shopper's cart", keys)
	}
}

// A merge that stopped after its first step, then a full one: every line
// once, in the place the first step gave it, none lost, and lines the
// visitor added or changed in between come along too.
func TestAMergeInterruptedAfterItsFirstStepNeitherDoublesNorLoses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tok := newToken(t)
	g, u := cart.Guest(tok), cart.User(13)
	e.add(t, u, 1, 1)
	e.add(t, u, 8, 1)
	e.add(t, g, 6, 1)
	e.add(t, g, 1, 2)

	if _, err := e.store.ApplyGuestLines(ctx, tok, 13); err != nil {
		t.Fatal(err)
	}
	// The same again: the step itself is idempotent.
	if _, err := e.store.ApplyGuestLines(ctx, tok, 13); err != nil {
		t.Fatal(err)
	}
	wantLines(t, e.lines(t, u), line(1, 2), line(8, 1), line(6, 1))
	// Another tab still holding the guest cart: SKU 6 raised, SKU 9 added.
	if _, err := e.store.Update(ctx, g, 6, 5, nil); err != nil {
		t.Fatal(err)
	}
	e.add(t, g, 9, 1)

	dropped, err := e.store.Merge(ctx, tok, 13)
	if err != nil || len(dropped) != 0 {
		t.Fatalf("Merge = %v, %v", dropped, err)
	}
	wantLines(t, e.lines(t, u), line(1, 2), line(8, 1), line(6, 5), line(9, 1))
	wantLines(t, e.lines(t, g))
	if keys, _ := testenv.Keys(ctx, e.rdb, e.prefix+"*"); len(keys) != 1 {
		t.Fatalf("keys after the merge = %v, want only the shopper's cart", keys)
	}
}

// A full cart drops the same guest lines however often the first step ran,
// and the merge that finishes still reports them.
func TestAnInterruptedMergeReportsTheSameDroppedLines(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tok := newToken(t)
	g, u := cart.Guest(tok), cart.User(14)
	for id := 1; id <= cart.MaxLines-1; id++ {
		e.add(t, u, id, 1)
	}
	e.add(t, g, 250, 1)
	e.add(t, g, 251, 1)

	first, err := e.store.ApplyGuestLines(ctx, tok, 14)
	if err != nil || !slices.Equal(first, []int{251}) {
		t.Fatalf("first step dropped %v, %v; want [251]", first, err)
	}
	// Room made in between does not let the dropped line in late: the
	// visitor was told it did not fit.
	if err := e.store.Remove(ctx, u, []int{1}); err != nil {
		t.Fatal(err)
	}
	dropped, err := e.store.Merge(ctx, tok, 14)
	if err != nil || !slices.Equal(dropped, []int{251}) {
		t.Fatalf("Merge dropped %v, %v; want [251]", dropped, err)
	}
	ls := e.lines(t, u)
	if len(ls) != cart.MaxLines-1 || ls[len(ls)-1] != line(250, 1) {
		t.Fatalf("%d lines, last %v; want %d ending with SKU 250", len(ls), ls[len(ls)-1], cart.MaxLines-1)
	}
}
