// Package smscode issues and checks the six-digit codes sent by SMS to
// prove a shopper holds a mobile number (sign-up, password reset, login by
// SMS). Its promises:
//
//   - A code is bound to its mobile and its purpose: a sign-up code does
//     not reset a password, and a code sent to one mobile fails for another.
//   - It lives TTL (5 minutes) and dies on its first right use or its
//     MaxTries-th wrong one, so guessing a code is MaxTries in a million.
//   - Redis holds only an HMAC of it under a server key: a copy of Redis
//     does not hand out the live codes (six digits hash in a millisecond
//     without the key).
//   - One mobile gets at most one code per Resend (60 s), and at most
//     PerMobileDay a day; one client address asks for at most PerAddressDay
//     a day. Past any of them: RATE_LIMITED with extensions.retryAfter.
//     Days are UTC days of the store's clock, which tests move.
//   - A Redis that does not answer is UNAVAILABLE, never a wrong code.
//
// Sending the code is the caller's (a background job); Issue only makes
// and records it.
package smscode

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/ratelimit"
)

// Purpose is what a code may be used for.
type Purpose string

// The purposes.
const (
	Register      Purpose = "REGISTER"
	ResetPassword Purpose = "RESET_PASSWORD"
	Login         Purpose = "LOGIN"
)

func (p Purpose) valid() bool { return p == Register || p == ResetPassword || p == Login }

// Config sets the limits; zero fields take the defaults.
type Config struct {
	TTL           time.Duration // 5 minutes
	Resend        time.Duration // 60 seconds
	MaxTries      int           // 5
	PerMobileDay  int           // 10
	PerAddressDay int           // 20
}

func (c Config) withDefaults() Config {
	if c.TTL <= 0 {
		c.TTL = 5 * time.Minute
	}
	if c.Resend <= 0 {
		c.Resend = time.Minute
	}
	if c.MaxTries <= 0 {
		c.MaxTries = 5
	}
	if c.PerMobileDay <= 0 {
		c.PerMobileDay = 10
	}
	if c.PerAddressDay <= 0 {
		c.PerAddressDay = 20
	}
	return c
}

// Store issues and checks codes.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	key    []byte
	cfg    Config
	// Now is the store's clock; tests move it.
	Now func() time.Time
}

// New returns a store whose keys start with prefix + "sms:". key is the
// HMAC key (at least 32 bytes).
func New(rdb redis.UniversalClient, prefix string, key []byte, cfg Config) (*Store, error) {
	if len(key) < 32 {
		return nil, errors.New("smscode: the HMAC key needs at least 32 bytes")
	}
	return &Store{rdb: rdb, prefix: prefix + "sms:", key: key, cfg: cfg.withDefaults(), Now: time.Now}, nil
}

// Limits are the store's settings, defaults filled in.
func (s *Store) Limits() Config { return s.cfg }

func (s *Store) codeKey(p Purpose, mobile string) string {
	return s.prefix + "code:" + string(p) + ":{" + mobile + "}"
}

func (s *Store) digest(p Purpose, mobile, code string) string {
	m := hmac.New(sha256.New, s.key)
	fmt.Fprintf(m, "%s\x00%s\x00%s", p, mobile, code)
	return hex.EncodeToString(m.Sum(nil))
}

// issueScript enforces the resend window and the mobile's daily cap, then
// stores the code, in one step: two requests at once cannot both pass the
// window. Its keys are the mobile's, in one hash slot.
// KEYS: resend, mobile-day, code. ARGV: resend ms, day ms left, per-mobile
// cap, digest, ttl ms, store (0: check only, write nothing).
// It answers {0, 0} when stored (or, checking only, when it would be), or
// {1, ms} / {2, ms} for the window / the mobile's cap with the wait.
var issueScript = redis.NewScript(`
local wait = redis.call('PTTL', KEYS[1])
if wait > 0 then return {1, wait} end
local m = tonumber(redis.call('GET', KEYS[2]) or '0')
if m >= tonumber(ARGV[3]) then return {2, tonumber(ARGV[2])} end
if ARGV[6] == '0' then return {0, 0} end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
redis.call('INCR', KEYS[2]); redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[3], 'd', ARGV[4], 'tries', 0)
redis.call('PEXPIRE', KEYS[3], ARGV[5])
return {0, 0}
`)

// takeAddressScript counts one code against the address's daily cap, or
// answers {3, ms} when it is used up. KEYS: address-day. ARGV: day ms
// left, per-address cap.
var takeAddressScript = redis.NewScript(`
local a = tonumber(redis.call('GET', KEYS[1]) or '0')
if a >= tonumber(ARGV[2]) then return {3, tonumber(ARGV[1])} end
redis.call('INCR', KEYS[1]); redis.call('PEXPIRE', KEYS[1], ARGV[1])
return {0, 0}
`)

// giveAddressScript takes back a count takeAddressScript made for a code
// that was not issued after all. KEYS: address-day.
var giveAddressScript = redis.NewScript(`
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
return 0
`)

// checkScript spends one try: {1} right (the code is gone), {0} wrong or
// missing (after MaxTries wrong ones the code is gone).
// KEYS: code. ARGV: digest, max tries.
var checkScript = redis.NewScript(`
local d = redis.call('HGET', KEYS[1], 'd')
if not d then return 0 end
if d == ARGV[1] then redis.call('DEL', KEYS[1]); return 1 end
local n = redis.call('HINCRBY', KEYS[1], 'tries', 1)
if n >= tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) end
return 0
`)

// ResendWait is how long mobile must wait for its next code (0: none),
// so a caller can refuse before it spends a captcha. Issue checks again.
func (s *Store) ResendWait(ctx context.Context, mobile string) (time.Duration, error) {
	d, err := s.rdb.PTTL(ctx, s.prefix+"resend:{"+mobile+"}").Result()
	if err != nil {
		return 0, apperr.Unavailable{Cause: fmt.Errorf("smscode: reading the resend window: %w", err)}
	}
	return max(d, 0), nil
}

// Issue makes a code for mobile and purpose, asked from client address
// addr, and returns it for sending. mobile must already be canonical.
func (s *Store) Issue(ctx context.Context, mobile string, p Purpose, addr string) (string, error) {
	if !p.valid() {
		return "", apperr.BadField("purpose", "unknown purpose")
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("smscode: %w", err)
	}
	code := fmt.Sprintf("%06d", n.Int64())
	now := s.Now().UTC()
	day := now.Format("20060102")
	left := now.Truncate(24 * time.Hour).Add(24 * time.Hour).Sub(now)
	mobileKeys := []string{
		s.prefix + "resend:{" + mobile + "}", // ResendWait reads it too
		s.prefix + "day:" + day + ":m:{" + mobile + "}",
		s.codeKey(p, mobile),
	}
	addrKey := []string{s.prefix + "day:" + day + ":a:" + ratelimit.AddressKey(addr)}
	issue := func(store int) ([]int64, error) {
		return issueScript.Run(ctx, s.rdb, mobileKeys,
			s.cfg.Resend.Milliseconds(), left.Milliseconds(), s.cfg.PerMobileDay,
			s.digest(p, mobile, code), s.cfg.TTL.Milliseconds(), store).Int64Slice()
	}
	// The mobile's keys and the address's live in different hash slots
	// of a Redis Cluster, so no one script sees both. The mobile is
	// checked first (a code within the window is refused as such, before
	// any cap), then the address's cap is taken, then the mobile's checks
	// run again with the code's store: a request that lost a race there
	// gives the address's count back.
	res, err := issue(0)
	if err == nil && res[0] == 0 {
		res, err = takeAddressScript.Run(ctx, s.rdb, addrKey, left.Milliseconds(), s.cfg.PerAddressDay).Int64Slice()
		if err == nil && res[0] == 0 {
			res, err = issue(1)
			if err == nil && res[0] != 0 {
				// Should this fail, the address has one code fewer today.
				_ = giveAddressScript.Run(ctx, s.rdb, addrKey).Err()
			}
		}
	}
	if err != nil {
		return "", apperr.Unavailable{Cause: fmt.Errorf("smscode: issuing: %w", err)}
	}
	if res[0] == 0 {
		return code, nil
	}
	wait := (res[1] + 999) / 1000
	msg := map[int64]string{
		1: "a code was sent to this mobile less than a minute ago",
		2: "this mobile has had its codes for today",
		3: "this address has asked for its codes for today",
	}[res[0]]
	return "", apperr.New(apperr.CodeRateLimited, "%s", msg).With("retryAfter", wait)
}

// Check spends code on mobile and purpose: nil when it is right, which
// uses it up. A wrong, expired, used or other-purpose code is
// BAD_USER_INPUT on field smsCode, the same for each.
func (s *Store) Check(ctx context.Context, mobile string, p Purpose, code string) error {
	if !p.valid() || len(code) != 6 {
		return wrongCode()
	}
	ok, err := checkScript.Run(ctx, s.rdb, []string{s.codeKey(p, mobile)}, s.digest(p, mobile, code), s.cfg.MaxTries).Int()
	if err != nil {
		return apperr.Unavailable{Cause: fmt.Errorf("smscode: checking: %w", err)}
	}
	if ok != 1 {
		return wrongCode()
	}
	return nil
}

func wrongCode() error {
	return apperr.BadField("smsCode", "the SMS code is wrong or has expired")
}
