package periodic_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storefront/storefront/internal/periodic"
)

func TestEveryRunsPassesUntilTheContextEndsAndThenReturns(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var passes atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		periodic.Every(ctx, time.Millisecond, func(context.Context) {
			if passes.Add(1) == 3 {
				cancel()
			}
		})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Every did not return after its context ended")
	}
	if n := passes.Load(); n != 3 {
		t.Fatalf("%d passes; want 3, the last of which ended the context", n)
	}
}
