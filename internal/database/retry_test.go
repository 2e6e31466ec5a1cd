package database_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/storefront/storefront/internal/database"
)

var errDeadlock = &mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock"}

func TestRetryStopsAfterTheBound(t *testing.T) {
	t.Parallel()
	p := &database.RetryPolicy{Attempts: 4, Base: time.Microsecond, Max: 10 * time.Microsecond}
	calls := 0
	err := database.Retry(context.Background(), p, func(context.Context) error {
		calls++
		return fmt.Errorf("place order: %w", errDeadlock)
	})
	if calls != 4 {
		t.Errorf("fn ran %d times, want 4", calls)
	}
	if !errors.Is(err, database.ErrRetriesExhausted) {
		t.Errorf("err = %v, want ErrRetriesExhausted", err)
	}
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 1213 || !database.IsRetryable(err) {
		t.Errorf("err = %v, want it to still wrap the deadlock", err)
	}
	if got, want := p.Stats(), (database.RetryStats{Calls: 1, Retries: 3, GaveUp: 1}); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}

func TestRetrySucceedsAfterTransientErrors(t *testing.T) {
	t.Parallel()
	p := database.NewRetryPolicy()
	calls := 0
	err := database.Retry(context.Background(), p, func(context.Context) error {
		calls++
		if calls < 3 {
			return errDeadlock
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("err = %v after %d calls, want nil after 3", err, calls)
	}
	if got, want := p.Stats(), (database.RetryStats{Calls: 1, Retries: 2}); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}

func TestRetryDoesNotRetryOtherErrors(t *testing.T) {
	t.Parallel()
	p := database.NewRetryPolicy()
	want := &mysql.MySQLError{Number: 1062}
	calls := 0
	err := database.Retry(context.Background(), p, func(context.Context) error {
		calls++
		return want
	})
	if calls != 1 || err != want {
		t.Fatalf("calls = %d, err = %v; want 1 call returning the error unchanged", calls, err)
	}
	if s := p.Stats(); s.Retries != 0 || s.GaveUp != 0 {
		t.Errorf("Stats() = %+v, want no retries", s)
	}
}

func TestRetryStopsWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	p := &database.RetryPolicy{Attempts: 1000, Base: 50 * time.Millisecond, Max: 50 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := database.Retry(ctx, p, func(context.Context) error {
		calls++
		if calls == 2 {
			cancel()
		}
		return errDeadlock
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if database.IsRetryable(err) {
		t.Error("a cancelled retry reports a retryable error")
	}
	if calls != 2 {
		t.Errorf("fn ran %d times, want 2", calls)
	}
}

func TestRetryBackoffIsBoundedFullJitter(t *testing.T) {
	t.Parallel()
	p := database.NewRetryPolicy()
	for n := 1; n <= 12; n++ {
		ceil := min(database.DefaultRetryBase<<(n-1), database.DefaultRetryMax)
		for range 200 {
			if d := p.Backoff(n); d < 0 || d > ceil {
				t.Fatalf("backoff(%d) = %v, want within [0, %v]", n, d, ceil)
			}
		}
	}
	if d := p.Backoff(1000); d > database.DefaultRetryMax {
		t.Fatalf("backoff(1000) = %v, want <= %v", d, database.DefaultRetryMax)
	}
}

func TestRetryPolicyIsSharedSafely(t *testing.T) {
	t.Parallel()
	p := &database.RetryPolicy{Attempts: 3, Base: time.Microsecond, Max: time.Microsecond}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			_ = database.Retry(context.Background(), p, func(context.Context) error { return errDeadlock })
		})
	}
	wg.Wait()
	if got, want := p.Stats(), (database.RetryStats{Calls: 16, Retries: 32, GaveUp: 16}); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}
