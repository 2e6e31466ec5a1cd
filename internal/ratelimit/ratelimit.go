// Package ratelimit caps how often one key (a client address, an account,
// a mobile number) may do something that costs us or reveals something:
// creating a guest cart, asking whether an account exists, registering.
// It is a GCRA limiter kept in Redis (go-redis/redis_rate), so every
// instance behind a load balancer shares the count.
//
// Password guessing has its own exponential backoff (auth.Throttle); this
// package is for plain "so many per period" rules.
package ratelimit

import (
	"context"
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/internal/apperr"
)

// Rule is one limit: Burst actions at once, refilled at Rate per Period.
// Name keeps rules apart in Redis and in messages.
type Rule struct {
	Name   string
	Rate   int
	Burst  int
	Period time.Duration
	// Message is shown with RATE_LIMITED, e.g. "too many registrations
	// from this address".
	Message string
}

// Limiter checks rules against counters under one key prefix.
type Limiter struct {
	l      *redis_rate.Limiter
	prefix string
}

// New returns a limiter whose keys start with prefix.
func New(rdb redis.UniversalClient, prefix string) *Limiter {
	return &Limiter{l: redis_rate.NewLimiter(rdb), prefix: prefix + "rl:"}
}

// Allow spends one action of rule for key, or answers RATE_LIMITED with
// extensions.retryAfter (whole seconds) when key has none left. A Redis
// failure is an error of its own: the caller does not learn that the
// action was allowed.
func (l *Limiter) Allow(ctx context.Context, rule Rule, key string) error {
	return l.AllowN(ctx, rule, key, 1)
}

// AllowN spends n actions at once (a document asking n questions).
func (l *Limiter) AllowN(ctx context.Context, rule Rule, key string, n int) error {
	res, err := l.l.AllowN(ctx, l.prefix+rule.Name+":"+key, redis_rate.Limit{
		Rate: rule.Rate, Burst: rule.Burst, Period: rule.Period,
	}, n)
	if err != nil {
		return fmt.Errorf("ratelimit %s: %w", rule.Name, err)
	}
	if res.Allowed >= n {
		return nil
	}
	secs := int64(math.Ceil(res.RetryAfter.Seconds()))
	if secs < 1 {
		secs = 1
	}
	msg := rule.Message
	if msg == "" {
		msg = "too many requests"
	}
	return apperr.New(apperr.CodeRateLimited, "%s; try again in %d seconds", msg, secs).With("retryAfter", secs)
}

// AddressKey is the unit a client address is counted in: an IPv4 address,
// or an IPv6 /64 (one subscriber's usual allocation; counting single IPv6
// addresses would hand an attacker 2^64 fresh counters).
func AddressKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
