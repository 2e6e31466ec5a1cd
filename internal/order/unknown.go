package order

import (
	"context"
	"time"
)

// lookupTimeout bounds each of the package's reads outside a transaction
// (the key lookup, the SKUs and address of an order, the owed cart
// clean-ups, an order by id). Without it a lookup after a failed batch runs
// on the request's context, which may have no deadline, and a frozen
// database holds the caller for the whole freeze.
const lookupTimeout = 5 * time.Second

// lookup bounds one read by lookupTimeout (and by ctx).
func lookup(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, lookupTimeout)
}
