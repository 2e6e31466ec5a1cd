// Package outage tells an error that says a dependency (MariaDB, Redis, the
// network between) did not answer from one that is an answer. The first
// kind must reach a client as "try again" (apperr.Unavailable), never as a
// refusal: the outcome is unknown, and a definite no (CART_EMPTY,
// NOT_FOUND) would be a lie half the time.
package outage

import (
	"errors"
	"net"

	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/internal/database"
)

// Is reports whether err says that MariaDB or Redis could not be reached or
// did not answer (in time). A cancelled context (the client left) is not an
// outage.
func Is(err error) bool {
	if err == nil {
		return false
	}
	if database.IsUnreachable(err) || errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, redis.ErrClosed) {
		return true
	}
	// Redis answering that it cannot serve yet (loading, a busy script, a
	// failover in progress).
	for _, prefix := range []string{"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN"} {
		if redis.HasErrorPrefix(err, prefix) {
			return true
		}
	}
	// Dial failures, resets and timeouts of either.
	_, isNet := errors.AsType[net.Error](err)
	return isNet
}
