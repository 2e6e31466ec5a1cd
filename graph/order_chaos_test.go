//go:build chaos

package graph_test

import (
	"database/sql"
	"testing"

	"github.com/storefront/storefront/internal/gqltest"
)

// A client replays its key while the orders table cannot be read at all
// (another session holds it locked, as a stuck migration or a frozen
// database would): the order service gives each of its lookups its own
// deadline, so the replay answers UNAVAILABLE instead of waiting as long
// as the lock, and once the table is free the replay returns the order.
func TestAReplayWhileOrdersCannotBeReadAnswersUnavailableInsteadOfWaiting(t *testing.T) {
	t.Parallel()
	s := gqltest.Start(t, gqltest.Options{})
	id := skuIDByName(t, s, "Studio Max Black")
	b := newBuyer(t, s, map[string]int{id: 1})
	var first placed
	mustDecode(t, b.place(t, s, "CASH", "answer-lost"), &first)

	admin, err := sql.Open("mysql", s.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	lock, err := admin.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(t.Context(), "LOCK TABLES orders WRITE"); err != nil {
		t.Fatal(err)
	}
	wantUnavailable(t, "replay while orders are locked", b.place(t, s, "CASH", "answer-lost"))
	if _, err := lock.ExecContext(t.Context(), "UNLOCK TABLES"); err != nil {
		t.Fatal(err)
	}

	var replay placed
	mustDecode(t, b.place(t, s, "CASH", "answer-lost"), &replay)
	if replay.PlaceOrder.ID != first.PlaceOrder.ID {
		t.Fatalf("replay after the lock = %+v, want order %s", replay.PlaceOrder, first.PlaceOrder.ID)
	}
}
