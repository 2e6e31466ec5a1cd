package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/ratelimit"
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

// Throttle slows down password guessing. An account's attempts are counted
// the moment they start, so a parallel burst at one account is throttled
// too, and a successful login clears them. An address's count holds only
// failures: many shoppers behind one office address logging in at once are
// not guessing, but failures at many accounts from one address are.
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

// attemptScript checks every key against its rule and, if none must wait,
// records the attempt on the first RECORD keys, so the check and the count
// are one atomic step. It returns 0, or the milliseconds to wait.
//
// KEYS: counter hashes {n, last}, in one hash slot (so, on a Redis
// Cluster, one key). ARGV: now_ms, record, then per key free, max_ms,
// window_ms.
var attemptScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local record = tonumber(ARGV[2])
local wait = 0
for i, key in ipairs(KEYS) do
  local free = tonumber(ARGV[3 + (i-1)*3])
  local maxw = tonumber(ARGV[4 + (i-1)*3])
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
  if i <= record then
    redis.call('HINCRBY', key, 'n', 1)
    redis.call('HSET', key, 'last', now)
    redis.call('PEXPIRE', key, tonumber(ARGV[5 + (i-1)*3]))
  end
end
return 0
`)

// keys are the counters of account (in its canonical spelling, see
// loginAccount) and of addr's address unit.
func (t *Throttle) keys(account, addr string) []string {
	return []string{
		t.prefix + "login:acct:" + account,
		t.prefix + "login:addr:" + ratelimit.AddressKey(addr),
	}
}

// run checks keys against rules and records on the first record of them.
func (t *Throttle) run(ctx context.Context, keys []string, rules []ThrottleRule, record int) error {
	waitMS, err := t.wait(ctx, keys, rules, record)
	if err != nil {
		return err
	}
	return tooMany(waitMS)
}

// wait is attemptScript's answer: 0, or the milliseconds to wait.
func (t *Throttle) wait(ctx context.Context, keys []string, rules []ThrottleRule, record int) (int64, error) {
	args := []any{t.now().UnixMilli(), record}
	for _, r := range rules {
		args = append(args, r.Free, r.MaxWait.Milliseconds(), r.Window.Milliseconds())
	}
	waitMS, err := attemptScript.Run(ctx, t.rdb, keys, args...).Int64()
	if err != nil {
		return 0, fmt.Errorf("auth: login throttle: %w", err)
	}
	return waitMS, nil
}

// tooMany is RATE_LIMITED with retryAfter (seconds) for a wait, or nil.
func tooMany(waitMS int64) error {
	if waitMS > 0 {
		secs := (waitMS + 999) / 1000
		return apperr.New(apperr.CodeRateLimited, "too many login attempts; try again in %d seconds", secs).
			With("retryAfter", secs)
	}
	return nil
}

// Attempt records a login attempt at account from addr, or answers
// RATE_LIMITED with retryAfter (seconds) if the account or the address must
// wait. The two counters live in different hash slots of a Redis Cluster,
// so each is its own script: the address's is only read here (Failed
// counts it), and the account's is checked and counted in one step. When
// the address must wait, the account is only checked, so the answer waits
// for the longer of the two and records nothing.
func (t *Throttle) Attempt(ctx context.Context, account, addr string) error {
	keys := t.keys(account, addr)
	addrWait, err := t.wait(ctx, keys[1:], []ThrottleRule{t.address}, 0)
	if err != nil {
		return err
	}
	record := 1
	if addrWait > 0 {
		record = 0
	}
	acctWait, err := t.wait(ctx, keys[:1], []ThrottleRule{t.account}, record)
	if err != nil {
		return err
	}
	return tooMany(max(addrWait, acctWait))
}

// Failed counts a failed login against the address.
func (t *Throttle) Failed(ctx context.Context, addr string) error {
	err := t.run(ctx, t.keys("", addr)[1:], []ThrottleRule{t.address}, 1)
	if apperr.CodeOf(err) == apperr.CodeRateLimited {
		return nil // already waiting; the failure still stands as reported
	}
	return err
}

// Succeeded forgets the account's attempts.
func (t *Throttle) Succeeded(ctx context.Context, account string) error {
	return t.rdb.Del(ctx, t.keys(account, "")[0]).Err()
}
