package database

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// Defaults of the shared retry policy.
const (
	DefaultRetryAttempts = 8
	DefaultRetryBase     = 2 * time.Millisecond
	DefaultRetryMax      = 100 * time.Millisecond
)

// RetryPolicy is the one retry policy for transactions that failed with a
// transient error (see IsRetryable): bounded attempts with full-jitter
// exponential backoff. Create one with NewRetryPolicy, share it between
// goroutines (it is safe for concurrent use) and read its counters with
// Stats. Do not copy a RetryPolicy after first use.
type RetryPolicy struct {
	// Attempts is the total number of calls, the first included (<= 0: default).
	Attempts int
	// Base is the backoff cap before the first retry; it doubles on each retry.
	Base time.Duration
	// Max caps the backoff.
	Max time.Duration

	calls   atomic.Int64
	retries atomic.Int64
	gaveUp  atomic.Int64
	byCause [numCauses]atomic.Int64
}

// NewRetryPolicy returns a policy with the defaults: 8 attempts, backoff
// starting at 2ms capped at 100ms.
func NewRetryPolicy() *RetryPolicy {
	return &RetryPolicy{Attempts: DefaultRetryAttempts, Base: DefaultRetryBase, Max: DefaultRetryMax}
}

// RetryStats are a policy's counters since it was created.
type RetryStats struct {
	Calls   int64 // Retry calls
	Retries int64 // extra attempts after a retryable error
	GaveUp  int64 // calls that still failed with a retryable error after the last attempt
	// ByCause counts the retries by what failed, by RetryCause.String.
	ByCause map[string]int64
}

// Stats returns the policy's counters.
func (p *RetryPolicy) Stats() RetryStats {
	st := RetryStats{Calls: p.calls.Load(), Retries: p.retries.Load(), GaveUp: p.gaveUp.Load(), ByCause: map[string]int64{}}
	for c := CauseNone + 1; c < numCauses; c++ {
		st.ByCause[c.String()] = p.byCause[c].Load()
	}
	return st
}

// backoff returns the full-jitter delay before retry number n (1-based):
// uniform in [0, min(Max, Base*2^(n-1))].
func (p *RetryPolicy) backoff(n int) time.Duration {
	base, maxD := p.Base, p.Max
	if base <= 0 {
		base = DefaultRetryBase
	}
	if maxD <= 0 {
		maxD = DefaultRetryMax
	}
	ceil := maxD
	if n-1 < 31 {
		if d := base << (n - 1); d > 0 && d < maxD {
			ceil = d
		}
	}
	return time.Duration(rand.Int64N(int64(ceil) + 1))
}

// ErrRetriesExhausted wraps the last error when Retry gave up because every
// attempt failed with a retryable error.
var ErrRetriesExhausted = errors.New("database: retries exhausted")

// Retry calls fn until it succeeds, fails with an error that is not
// retryable (returned as is), the policy's attempts are used up (the last
// error is returned wrapped with ErrRetriesExhausted, so IsRetryable and
// errors.As still see it), or ctx ends (ctx.Err() joined with the last error).
// fn must be safe to run again: typically it is one whole transaction
// (DB.InTx is Retry around one). A nil
// policy means the defaults, uncounted.
func Retry(ctx context.Context, p *RetryPolicy, fn func(ctx context.Context) error) error {
	if p == nil {
		p = NewRetryPolicy()
	}
	attempts := p.Attempts
	if attempts <= 0 {
		attempts = DefaultRetryAttempts
	}
	p.calls.Add(1)
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for n := 1; ; n++ {
		err := fn(ctx)
		cause := retryCause(err)
		if cause == CauseNone {
			return err
		}
		if n >= attempts {
			p.gaveUp.Add(1)
			return fmt.Errorf("%w after %d attempts: %w", ErrRetriesExhausted, n, err)
		}
		if ctx.Err() != nil {
			return errors.Join(ctx.Err(), err)
		}
		d := p.backoff(n)
		if timer == nil {
			timer = time.NewTimer(d)
		} else {
			timer.Reset(d)
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-timer.C:
		}
		p.retries.Add(1)
		p.byCause[cause].Add(1)
	}
}
