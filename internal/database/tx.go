package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/storefront/storefront/ent"
)

// InTx is the one way to run a transaction. It runs fn in a transaction
// and commits it when fn returns nil; it rolls back when fn returns an
// error or panics (the panic is re-raised after the rollback).
//
// A transient failure (a deadlock, a lock-wait timeout, a connection
// refused for a limit or lost before COMMIT: see IsRetryable) runs fn
// again, in a fresh transaction, under db.Retry, the policy every
// transaction shares. So fn may run more than once: it must leave nothing
// behind outside the transaction, and it reads through tx, never through
// db.Client, so that what it decides on is what its transaction sees. A
// connection lost at COMMIT leaves the outcome unknown and is retried
// too, as a client's own retry would be. placeOrder (its idempotency
// key), payments (the trade number's unique index) and status changes
// (conditional updates) find the first run's work; elsewhere the rare
// cost is the client's retry's (a second address, a refresh that finds
// its token rotated and ends the login).
//
// Work that must happen only after COMMIT (a cache to warm, a log line)
// goes to AfterCommit, which runs it once, for the attempt that committed.
//
// On MySQL the transaction runs at READ COMMITTED: every connection is
// opened at that level (openMySQL), so no transaction spends a round trip
// setting it. SQLite rejects isolation levels; its transactions are
// serializable (BEGIN IMMEDIATE through the DSN).
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context, tx *ent.Tx) error) error {
	return Retry(ctx, db.Retry, func(ctx context.Context) error {
		return db.attempt(ctx, fn)
	})
}

// AfterCommit makes f run once tx has committed, before InTx returns. An
// attempt that fails, at COMMIT or before, drops its hooks with its
// transaction: only the attempt that committed runs its own. f runs on the
// goroutine that called InTx and cannot undo the commit; a panic in it
// leaves the transaction committed.
func AfterCommit(tx *ent.Tx, f func()) {
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			if err := next.Commit(ctx, tx); err != nil {
				return err
			}
			f()
			return nil
		})
	})
}

// attempt is one transaction of InTx.
func (db *DB) attempt(ctx context.Context, fn func(ctx context.Context, tx *ent.Tx) error) (err error) {
	tx, err := db.Client.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("database: begin transaction: %w", err)
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			err = errors.Join(err, fmt.Errorf("database: rollback: %w", rerr))
		}
	}()
	if err = fn(ctx, tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		// The transaction is finished either way; the deferred Rollback
		// reports sql.ErrTxDone, which is ignored.
		return fmt.Errorf("database: commit: %w", err)
	}
	committed = true
	return nil
}
