package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"

	"entgo.io/ent/dialect/sql/sqlgraph"
	"github.com/go-sql-driver/mysql"
	"modernc.org/sqlite"

	"github.com/storefront/storefront/ent"
)

// MySQL / MariaDB server error numbers this package classifies.
const (
	mysqlErrDupEntry        = 1062 // ER_DUP_ENTRY: duplicate key on a unique index
	mysqlErrLockWaitTimeout = 1205 // ER_LOCK_WAIT_TIMEOUT
	mysqlErrLockDeadlock    = 1213 // ER_LOCK_DEADLOCK
	mysqlErrCheckRead       = 1020 // ER_CHECKREAD: record has changed since last read (MariaDB snapshot isolation)

	// A connection refused for a connection limit; nothing ran on it.
	mysqlErrConCount         = 1040 // ER_CON_COUNT_ERROR: the server's max_connections
	mysqlErrTooManyUserConns = 1203 // ER_TOO_MANY_USER_CONNECTIONS: the server's max_user_connections
	mysqlErrUserLimitReached = 1226 // ER_USER_LIMIT_REACHED: the account's MAX_USER_CONNECTIONS (or hourly) resource

	// The server, not the request, ended the work.
	mysqlErrServerShutdown   = 1053 // ER_SERVER_SHUTDOWN
	mysqlErrConnectionKilled = 1927 // ER_CONNECTION_KILLED
)

// SQLite result codes (primary codes are the low byte of extended codes).
const (
	sqliteBusy                 = 5    // SQLITE_BUSY
	sqliteLocked               = 6    // SQLITE_LOCKED
	sqliteConstraintPrimaryKey = 1555 // SQLITE_CONSTRAINT_PRIMARYKEY
	sqliteConstraintUnique     = 2067 // SQLITE_CONSTRAINT_UNIQUE
)

// IsRetryable reports whether err is a transient failure after which the
// whole transaction should run again: a deadlock (1213), a lock-wait timeout
// (1205), MariaDB's "record has changed since last read" (1020), a
// connection refused for a connection limit (1040 too many connections,
// 1203 and 1226 for a user's limit: the backoff gives other clients time to
// give theirs back), a connection lost or timed out before COMMIT
// (driver.ErrBadConn, mysql.ErrInvalidConn, io.ErrUnexpectedEOF), or
// SQLite's SQLITE_BUSY / SQLITE_LOCKED. A retry
// after a lost connection is only safe for work that is idempotent (placeOrder
// is, through its idempotency key). A cancelled or expired context is never
// retryable. Errors are unwrapped, so Ent's wrappers are seen through.
func IsRetryable(err error) bool { return retryCause(err) != CauseNone }

// RetryCause names why a transaction runs again, for the metrics.
type RetryCause int

// The causes retryCause tells apart.
const (
	CauseNone RetryCause = iota
	CauseDeadlock
	CauseLockWait
	CauseRecordChanged
	CauseConnectionLimit
	CauseConnectionLost
	CauseBusy
	numCauses
)

var causeNames = [numCauses]string{"none", "deadlock", "lock_wait_timeout", "record_changed", "connection_limit", "connection_lost", "sqlite_busy"}

func (c RetryCause) String() string { return causeNames[c] }

// retryCause is IsRetryable's answer with its reason.
func retryCause(err error) RetryCause {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return CauseNone
	}
	if me, ok := errors.AsType[*mysql.MySQLError](err); ok {
		switch me.Number {
		case mysqlErrLockDeadlock:
			return CauseDeadlock
		case mysqlErrLockWaitTimeout:
			return CauseLockWait
		case mysqlErrCheckRead:
			return CauseRecordChanged
		case mysqlErrConCount, mysqlErrTooManyUserConns, mysqlErrUserLimitReached:
			return CauseConnectionLimit
		}
		return CauseNone
	}
	if se, ok := errors.AsType[*sqlite.Error](err); ok {
		switch se.Code() & 0xff {
		case sqliteBusy, sqliteLocked:
			return CauseBusy
		}
		return CauseNone
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, io.ErrUnexpectedEOF) {
		return CauseConnectionLost
	}
	return CauseNone
}

// IsUnreachable reports whether err says that the database did not answer
// (in time), or ended the connection, rather than what it decided: every
// retryable failure, the retry policy giving up on them, a connection the
// server shut down or killed, or one that closed under the caller. What was
// asked may or may not have happened.
func IsUnreachable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if IsRetryable(err) || errors.Is(err, ErrRetriesExhausted) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.EOF) {
		return true
	}
	if me, ok := errors.AsType[*mysql.MySQLError](err); ok {
		return me.Number == mysqlErrServerShutdown || me.Number == mysqlErrConnectionKilled
	}
	return false
}

// IsUniqueViolation reports whether err comes from a unique index or primary
// key: MySQL 1062, SQLite SQLITE_CONSTRAINT_UNIQUE (2067) or
// SQLITE_CONSTRAINT_PRIMARYKEY (1555). Ent returns these wrapped in an
// *ent.ConstraintError (which also covers foreign-key and check failures, so
// ent.IsConstraintError alone is not enough); the driver error is found by
// unwrapping, and only if that fails does the ConstraintError's message
// decide.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	if me, ok := errors.AsType[*mysql.MySQLError](err); ok {
		return me.Number == mysqlErrDupEntry
	}
	if se, ok := errors.AsType[*sqlite.Error](err); ok {
		switch se.Code() {
		case sqliteConstraintUnique, sqliteConstraintPrimaryKey:
			return true
		}
		return false
	}
	// An ent.ConstraintError whose cause lost its type (e.g. flattened into a
	// string by a hook): fall back to Ent's own message check.
	return ent.IsConstraintError(err) && sqlgraph.IsUniqueConstraintError(err)
}
