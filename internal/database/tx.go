package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"entgo.io/ent/dialect"

	"github.com/storefront/storefront/ent"
)

// WithTx runs fn in one transaction on client and commits it when fn returns
// nil; it rolls back when fn returns an error or panics (the panic is
// re-raised after the rollback). On MySQL the transaction runs at READ
// COMMITTED (set per transaction: the DSN's transaction_isolation fails on
// MariaDB); SQLite rejects isolation levels, so it gets the default (its
// transactions are serializable, BEGIN IMMEDIATE through the DSN).
//
// Work that must happen only after the commit (clearing the Redis cart,
// publishing an event) belongs to the caller, after WithTx returns nil. fn
// may run more than once when the caller wraps WithTx in Retry: keep side
// effects outside the database out of it.
func WithTx(ctx context.Context, client *ent.Client, dialectName string, fn func(tx *ent.Tx) error) (err error) {
	var opts *sql.TxOptions
	if dialectName == dialect.MySQL {
		opts = &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	tx, err := client.BeginTx(ctx, opts)
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
	if err = fn(tx); err != nil {
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
