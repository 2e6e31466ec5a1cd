package ratelimit_test

import (
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/ratelimit"
	"github.com/storefront/storefront/internal/testenv"
)

var threePerMinute = ratelimit.Rule{Name: "probe", Rate: 3, Burst: 3, Period: time.Minute, Message: "too many probes"}

// exhaust spends the rule's burst for key and checks the next action is
// refused with a retryAfter a client can act on.
func exhaust(t *testing.T, l *ratelimit.Limiter, key string) {
	t.Helper()
	ctx := t.Context()
	for i := range threePerMinute.Burst {
		if err := l.Allow(ctx, threePerMinute, key); err != nil {
			t.Fatalf("action %d of the burst refused: %v", i+1, err)
		}
	}
	err := l.Allow(ctx, threePerMinute, key)
	if apperr.CodeOf(err) != apperr.CodeRateLimited {
		t.Fatalf("fourth action: %v, want RATE_LIMITED", err)
	}
	if ra, _ := err.(interface{ Extensions() map[string]any }).Extensions()["retryAfter"].(int64); ra < 1 || ra > 60 {
		t.Fatalf("retryAfter %v, want 1..60 seconds", ra)
	}
}

func TestAnAddressThatSpentItsBurstWaitsAndOthersDoNot(t *testing.T) {
	t.Parallel()
	addr, prefix := testenv.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	l := ratelimit.New(rdb, prefix)
	exhaust(t, l, "203.0.113.7")
	if err := l.Allow(t.Context(), threePerMinute, "203.0.113.8"); err != nil {
		t.Fatalf("another address refused: %v", err)
	}
	// A document that asks for more than is left is refused whole.
	if err := l.AllowN(t.Context(), threePerMinute, "203.0.113.9", 4); apperr.CodeOf(err) != apperr.CodeRateLimited {
		t.Fatalf("four at once: %v, want RATE_LIMITED", err)
	}
}

// The embedded mode runs on miniredis: the limiter's script must work there.
func TestLimiterWorksOnTheEmbeddedRedis(t *testing.T) {
	t.Parallel()
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	exhaust(t, ratelimit.New(rdb, "sf:"), "198.51.100.1")
}

func TestARedisOutageIsNotAnAllowance(t *testing.T) {
	t.Parallel()
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	m.Close()
	err := ratelimit.New(rdb, "sf:").Allow(t.Context(), threePerMinute, "198.51.100.2")
	if err == nil || apperr.CodeOf(err) != "" {
		t.Fatalf("with Redis down: %v, want an uncoded error", err)
	}
}
