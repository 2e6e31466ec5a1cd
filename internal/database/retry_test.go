package database_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"maps"
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
	if got := p.Stats(); got.Calls != 1 || got.Retries != 3 || got.GaveUp != 1 || got.ByCause["deadlock"] != 3 {
		t.Errorf("Stats() = %+v, want 1 call, 3 retries (deadlocks), 1 given up", got)
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
	if got := p.Stats(); got.Calls != 1 || got.Retries != 2 || got.GaveUp != 0 || got.ByCause["deadlock"] != 2 {
		t.Errorf("Stats() = %+v, want 1 call, 2 retries (deadlocks)", got)
	}
}

// The metrics tell a lock wait from a lost connection: one says the
// schema or the load needs work, the other that the network or the server
// does.
func TestRetriesAreCountedByCause(t *testing.T) {
	t.Parallel()
	p := &database.RetryPolicy{Attempts: 8, Base: time.Microsecond, Max: 10 * time.Microsecond}
	failures := []error{
		&mysql.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded"},
		fmt.Errorf("commit: %w", driver.ErrBadConn),
		&mysql.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded"},
		&mysql.MySQLError{Number: 1040, Message: "Too many connections"},
	}
	calls := 0
	err := database.Retry(context.Background(), p, func(context.Context) error {
		calls++
		if calls <= len(failures) {
			return failures[calls-1]
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := p.Stats().ByCause
	want := map[string]int64{"deadlock": 0, "lock_wait_timeout": 2, "record_changed": 0, "connection_limit": 1, "connection_lost": 1, "sqlite_busy": 0}
	if !maps.Equal(got, want) {
		t.Errorf("ByCause = %v, want %v", got, want)
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
	if got := p.Stats(); got.Calls != 16 || got.Retries != 32 || got.GaveUp != 16 || got.ByCause["deadlock"] != 32 {
		t.Errorf("Stats() = %+v, want 16 calls, 32 retries (deadlocks), 16 given up", got)
	}
}
