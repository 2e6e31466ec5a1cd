package order

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/internal/database"
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

// MariaDB server errors that say the server, not the request, is the
// problem.
const (
	mysqlErrTooManyConnections = 1040 // ER_CON_COUNT_ERROR
	mysqlErrServerShutdown     = 1053 // ER_SERVER_SHUTDOWN
	mysqlErrConnectionKilled   = 1927 // ER_CONNECTION_KILLED
)

// unreachable reports whether err says that the database or Redis could
// not be reached or did not answer (in time), rather than that what was
// asked is refused: the outcome of the call is then unknown, and the
// client must hear "try again" (apperr.Unavailable), never a refusal.
func unreachable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if database.IsRetryable(err) || errors.Is(err, database.ErrRetriesExhausted) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.EOF) || errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, redis.ErrClosed) {
		return true
	}
	if me, ok := errors.AsType[*mysql.MySQLError](err); ok {
		switch me.Number {
		case mysqlErrTooManyConnections, mysqlErrServerShutdown, mysqlErrConnectionKilled:
			return true
		}
		return false
	}
	for _, prefix := range []string{"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN"} {
		if redis.HasErrorPrefix(err, prefix) {
			return true
		}
	}
	// Dial failures, resets and timeouts of either.
	_, isNet := errors.AsType[net.Error](err)
	return isNet
}
