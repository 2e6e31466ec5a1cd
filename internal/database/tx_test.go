package database_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/testenv"
)

func TestInTx(t *testing.T) {
	t.Parallel()
	t.Run("mariadb", func(t *testing.T) {
		t.Parallel()
		testInTx(t, testenv.MySQL(t).DB)
	})
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		db, err := database.Open(context.Background(), database.Config{SQLitePath: filepath.Join(t.TempDir(), "tx.db")})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		testInTx(t, db)
	})
}

func testInTx(t *testing.T, db *database.DB) {
	ctx := context.Background()
	count := func() int {
		t.Helper()
		n, err := db.Client.Category.Query().Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	errBoom := errors.New("boom")
	err := db.InTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		if _, err := tx.Category.Create().SetName("rolled back").Save(ctx); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx = %v, want fn's error", err)
	}
	if n := count(); n != 0 {
		t.Fatalf("%d categories after a failed transaction, want 0", n)
	}

	func() {
		defer func() {
			if p := recover(); p != "kaboom" {
				t.Fatalf("recovered %v, want the panic re-raised", p)
			}
		}()
		_ = db.InTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
			if _, err := tx.Category.Create().SetName("panicked").Save(ctx); err != nil {
				return err
			}
			panic("kaboom")
		})
	}()
	if n := count(); n != 0 {
		t.Fatalf("%d categories after a panicking transaction, want 0", n)
	}

	if err := db.InTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		return tx.Category.Create().SetName("kept").Exec(ctx)
	}); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d categories after a committed transaction, want 1", n)
	}
}

// TestInTxReadCommitted: on MySQL the transaction sees rows committed by
// others after its first read (READ COMMITTED), which MariaDB's default
// REPEATABLE READ would hide.
func TestInTxReadCommitted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := testenv.MySQL(t)
	err := env.InTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		before, err := tx.Category.Query().Count(ctx)
		if err != nil {
			return err
		}
		if _, err := env.SQL.ExecContext(ctx,
			"INSERT INTO categories (created_at, updated_at, name, sort) VALUES (NOW(6), NOW(6), 'outside', 0)"); err != nil {
			return err
		}
		after, err := tx.Category.Query().Count(ctx)
		if err != nil {
			return err
		}
		if before != 0 || after != 1 {
			t.Errorf("counts inside the transaction: %d then %d; want 0 then 1 (READ COMMITTED)", before, after)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Every MySQL connection opens at READ COMMITTED, and a transaction sets
// nothing of its own: the SET statements its connection has run do not
// grow from one transaction to the next (a SET TRANSACTION per
// transaction was a round trip of every order).
func TestConnectionsAreReadCommittedAndTransactionsSetNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := testenv.MySQL(t)
	db, err := database.Open(ctx, database.Config{MySQLDSN: env.DSN, MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sets := func(ctx context.Context, tx *ent.Tx) int {
		rows, err := tx.QueryContext(ctx, "SHOW SESSION STATUS LIKE 'Com_set_option'")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var name string
		var n int
		if !rows.Next() {
			t.Fatal("no Com_set_option")
		}
		if err := rows.Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var counts []int
	for range 3 {
		err := db.InTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
			var level string
			rows, err := tx.QueryContext(ctx, "SELECT @@SESSION.tx_isolation")
			if err != nil {
				return err
			}
			for rows.Next() {
				if err := rows.Scan(&level); err != nil {
					return err
				}
			}
			rows.Close()
			if level != "READ-COMMITTED" {
				t.Errorf("the transaction's isolation is %q", level)
			}
			counts = append(counts, sets(ctx, tx))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if counts[0] != counts[1] || counts[1] != counts[2] {
		t.Fatalf("SET statements on the one connection by transaction: %v; want no growth", counts)
	}
}

// TestInTxRetriesADeadlockAndRunsOnlyTheCommittedAttemptsHooks: the
// first attempt writes a row, registers its after-commit work and fails
// the way a deadlock does; the second does the same and commits. One row
// stays, and only the second attempt's hook runs, once, after COMMIT.
func TestInTxRetriesADeadlockAndRunsOnlyTheCommittedAttemptsHooks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := testenv.MySQL(t)
	var calls int
	var ran []int
	err := env.InTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		calls++
		attempt := calls
		if err := tx.Category.Create().SetName("once").Exec(ctx); err != nil {
			return err
		}
		database.AfterCommit(tx, func() {
			// After COMMIT: another connection sees the row.
			n, err := env.Client.Category.Query().Count(ctx)
			if err != nil || n != 1 {
				t.Errorf("the hook of attempt %d sees %d categories (%v), want the committed one", attempt, n, err)
			}
			ran = append(ran, attempt)
		})
		if attempt == 1 {
			return errDeadlock
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := env.Client.Category.Query().Count(ctx); err != nil || n != 1 {
		t.Fatalf("%d categories (%v), want exactly 1", n, err)
	}
	if calls != 2 || len(ran) != 1 || ran[0] != 2 {
		t.Fatalf("%d attempts, hooks of attempts %v ran; want 2 attempts and only the second's hook", calls, ran)
	}
	if s := env.Retry.Stats(); s.Retries != 1 {
		t.Errorf("Stats() = %+v, want 1 retry", s)
	}
}

// A transaction that fails for good, whether fn refuses or COMMIT does not
// go through, runs none of its hooks.
func TestAfterCommitHooksOfAFailedTransactionNeverRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := testenv.MySQL(t)
	env.Retry = &database.RetryPolicy{Attempts: 3, Base: time.Microsecond, Max: time.Microsecond}
	hooks := 0
	errRefused := errors.New("refused")
	for name, c := range map[string]struct {
		fail error
		want func(error) bool
	}{
		"fn refuses":      {errRefused, func(err error) bool { return errors.Is(err, errRefused) }},
		"retries run out": {errDeadlock, func(err error) bool { return errors.Is(err, database.ErrRetriesExhausted) }},
	} {
		err := env.InTx(ctx, func(_ context.Context, tx *ent.Tx) error {
			database.AfterCommit(tx, func() { hooks++ })
			return c.fail
		})
		if !c.want(err) {
			t.Errorf("%s: InTx = %v", name, err)
		}
	}
	// COMMIT itself fails: the connection is gone by then.
	err := env.InTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		database.AfterCommit(tx, func() { hooks++ })
		_, err := tx.ExecContext(ctx, "KILL CONNECTION_ID()")
		if err == nil {
			return errors.New("KILL CONNECTION_ID() returned no error")
		}
		// Past fn, only COMMIT can tell that the connection is gone.
		return nil
	})
	if err == nil {
		t.Error("a transaction whose connection was killed committed")
	}
	if hooks != 0 {
		t.Fatalf("%d hooks of failed transactions ran", hooks)
	}
}

// TestRealDeadlockIsRetryable provokes a real deadlock on MariaDB (two
// transactions locking two rows in opposite order) and checks that what Ent
// returns for it classifies as retryable.
func TestRealDeadlockIsRetryable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := testenv.MySQL(t)
	a := env.Client.Category.Create().SetName("a").SaveX(ctx)
	b := env.Client.Category.Create().SetName("b").SaveX(ctx)
	firstLocked := make(chan struct{}, 2)
	bothLocked := make(chan struct{})
	// One attempt: this test looks at the deadlock itself, which InTx
	// would otherwise retry away.
	env.Retry = &database.RetryPolicy{Attempts: 1}
	run := func(first, second int) error {
		return env.InTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
			if err := tx.Category.UpdateOneID(first).AddSort(1).Exec(ctx); err != nil {
				return err
			}
			firstLocked <- struct{}{}
			<-bothLocked
			return tx.Category.UpdateOneID(second).AddSort(1).Exec(ctx)
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- run(a.ID, b.ID) }()
	go func() { errs <- run(b.ID, a.ID) }()
	<-firstLocked
	<-firstLocked
	close(bothLocked)
	e1, e2 := <-errs, <-errs
	failed := e1
	if failed == nil {
		failed = e2
	}
	if failed == nil {
		t.Fatal("no deadlock")
	}
	if !database.IsRetryable(failed) {
		t.Fatalf("IsRetryable(%T %v) = false", failed, failed)
	}
	if e1 != nil && e2 != nil {
		t.Logf("both failed: %v / %v", e1, e2)
	}
}
