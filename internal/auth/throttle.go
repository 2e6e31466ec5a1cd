package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/internal/apperr"
)

// ThrottleRule says how many login attempts one key (an account, a client
// address) gets for free and how the wait grows after that: each further
// attempt must come at least 2^(n-Free) seconds after the previous one,
// capped at MaxWait. Counts are forgotten Window after the last attempt.
type ThrottleRule struct {
	Free    int
	MaxWait time.Duration
	Window  time.Duration
}

// Default rules: five tries per account, then 1 s, 2 s, 4 s... up to 15
// minutes; a client address (many accounts behind one NAT) gets more room.
var (
	AccountRule = ThrottleRule{Free: 5, MaxWait: 15 * time.Minute, Window: 30 * time.Minute}
	AddressRule = ThrottleRule{Free: 30, MaxWait: 15 * time.Minute, Window: 30 * time.Minute}
)

// Throttle slows down password guessing. Attempts (not only failures) are
// counted at the moment they start, so a burst of parallel guesses is
// throttled too; a successful login clears its account's count.
type Throttle struct {
	rdb     redis.UniversalClient
	prefix  string
	account ThrottleRule
	address ThrottleRule
	now     func() time.Time
}

// NewThrottle returns a throttle storing its counters under prefix.
func NewThrottle(rdb redis.UniversalClient, prefix string, account, address ThrottleRule, now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{rdb: rdb, prefix: prefix, account: account, address: address, now: now}
}

// attemptScript checks every key against its rule; if none is waiting it
// records the attempt on all of them, so the check and the count are one
// atomic step. It returns 0, or the milliseconds to wait.
//
// KEYS: counter hashes {n, last}. ARGV: now_ms, then per key free, max_ms, window_ms.
var attemptScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local free = tonumber(ARGV[2 + (i-1)*3])
  local maxw = tonumber(ARGV[3 + (i-1)*3])
  local n = tonumber(redis.call('HGET', key, 'n') or '0')
  local last = tonumber(redis.call('HGET', key, 'last') or '0')
  if n >= free then
    local w = math.min(math.pow(2, n - free) * 1000, maxw)
    local left = last + w - now
    if left > wait then wait = left end
  end
end
if wait > 0 then return math.ceil(wait) end
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[4 + (i-1)*3])
  redis.call('HINCRBY', key, 'n', 1)
  redis.call('HSET', key, 'last', now)
  redis.call('PEXPIRE', key, window)
end
return 0
`)

func (t *Throttle) keys(account, addr string) []string {
	return []string{
		t.prefix + "login:acct:" + strings.ToLower(account),
		t.prefix + "login:addr:" + addr,
	}
}

// Attempt records a login attempt for account from addr, or answers
// RATE_LIMITED with retryAfter (seconds) if either must wait.
func (t *Throttle) Attempt(ctx context.Context, account, addr string) error {
	args := []any{t.now().UnixMilli()}
	for _, r := range []ThrottleRule{t.account, t.address} {
		args = append(args, r.Free, r.MaxWait.Milliseconds(), r.Window.Milliseconds())
	}
	waitMS, err := attemptScript.Run(ctx, t.rdb, t.keys(account, addr), args...).Int64()
	if err != nil {
		return fmt.Errorf("auth: login throttle: %w", err)
	}
	if waitMS > 0 {
		secs := (waitMS + 999) / 1000
		return apperr.New(apperr.CodeRateLimited, "too many login attempts; try again in %d seconds", secs).
			With("retryAfter", secs)
	}
	return nil
}

// Succeeded forgets the account's failed attempts. The address count stays:
// logging in to one's own account must not reset guessing at others.
func (t *Throttle) Succeeded(ctx context.Context, account string) error {
	return t.rdb.Del(ctx, t.keys(account, "")[0]).Err()
}
