// Package periodic runs background passes (the payment sweeper, the owed
// cart cleaner) on a ticker, so each of them is only its pass.
package periodic

import (
	"context"
	"time"
)

// Every calls pass every interval until ctx ends. The first pass runs one
// interval after the start, not at once: a fleet restarting together
// would otherwise sweep together. A pass is never overlapped by the next;
// a slow one delays it.
func Every(ctx context.Context, interval time.Duration, pass func(context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			// select picks at random when both are ready: a tick that
			// arrives with the end must not start one more pass.
			if ctx.Err() != nil {
				return
			}
			pass(ctx)
		}
	}
}
