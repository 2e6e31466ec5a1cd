package auth

import (
	"testing"
	"time"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// A guesser at one account is slowed by the account's counter, one at many
// accounts from one address by the address's; the answer names the longer
// wait, and an attempt refused for the address is not counted against the
// account. (The counters live in different slots of a Redis Cluster:
// STOREFRONT_TEST_REDIS_CLUSTER=1 runs this there.)
func TestTheThrottleWaitsForTheLongerOfTheAccountsAndTheAddresssCounter(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	addr, prefix := testenv.Redis(t)
	rdb := testenv.NewRedisClient(t, addr)
	now := time.UnixMilli(1_700_000_000_000)
	th := NewThrottle(rdb, prefix, ThrottleRule{Free: 2, MaxWait: time.Hour, Window: time.Hour},
		ThrottleRule{Free: 0, MaxWait: time.Hour, Window: time.Hour}, func() time.Time { return now })
	retryAfter := func(err error) any {
		if apperr.CodeOf(err) != apperr.CodeRateLimited {
			return nil
		}
		return err.(interface{ Extensions() map[string]any }).Extensions()["retryAfter"]
	}

	for i := range 2 {
		if err := th.Attempt(ctx, "alice", "192.0.2.7"); err != nil {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	if got := retryAfter(th.Attempt(ctx, "alice", "192.0.2.7")); got != int64(1) {
		t.Fatalf("third attempt at alice: retryAfter %v, want 1", got)
	}
	// A failure from the address: its wait (2s) is longer than alice's.
	if err := th.Failed(ctx, "192.0.2.7"); err != nil {
		t.Fatal(err)
	}
	if got := retryAfter(th.Attempt(ctx, "alice", "192.0.2.7")); got != int64(2) {
		t.Fatalf("alice from a failing address: retryAfter %v, want 2", got)
	}
	if got := retryAfter(th.Attempt(ctx, "bob", "192.0.2.7")); got != int64(2) {
		t.Fatalf("bob from a failing address: retryAfter %v, want 2", got)
	}
	// bob's refused attempt was not counted: from another address, past
	// alice's wait, he has both free attempts.
	now = now.Add(3 * time.Second)
	for i := range 2 {
		if err := th.Attempt(ctx, "bob", "198.51.100.1"); err != nil {
			t.Fatalf("bob's attempt %d from elsewhere: %v", i+1, err)
		}
	}
}
