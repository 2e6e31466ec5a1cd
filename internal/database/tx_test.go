package database_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/testenv"
)

func TestWithTx(t *testing.T) {
	t.Parallel()
	t.Run("mariadb", func(t *testing.T) {
		t.Parallel()
		testWithTx(t, testenv.MySQL(t).DB)
	})
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		db, err := database.Open(context.Background(), database.Config{SQLitePath: filepath.Join(t.TempDir(), "tx.db")})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		testWithTx(t, db)
	})
}

func testWithTx(t *testing.T, db *database.DB) {
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
	err := database.WithTx(ctx, db.Client, db.Dialect, func(tx *ent.Tx) error {
		if _, err := tx.Category.Create().SetName("rolled back").Save(ctx); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("WithTx = %v, want fn's error", err)
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
		_ = db.Tx(ctx, func(tx *ent.Tx) error {
			if _, err := tx.Category.Create().SetName("panicked").Save(ctx); err != nil {
				return err
			}
			panic("kaboom")
		})
	}()
	if n := count(); n != 0 {
		t.Fatalf("%d categories after a panicking transaction, want 0", n)
	}

	if err := db.Tx(ctx, func(tx *ent.Tx) error {
		return tx.Category.Create().SetName("kept").Exec(ctx)
	}); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d categories after a committed transaction, want 1", n)
	}
}

// TestWithTxReadCommitted: on MySQL the transaction sees rows committed by
// others after its first read (READ COMMITTED), which MariaDB's default
// REPEATABLE READ would hide.
func TestWithTxReadCommitted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := testenv.MySQL(t)
	err := env.Tx(ctx, func(tx *ent.Tx) error {
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

// TestRetryWithTxOnDeadlock runs the intended composition: Retry around
// WithTx, with fn failing once the way a deadlock does.
func TestRetryWithTxOnDeadlock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := testenv.MySQL(t)
	p := database.NewRetryPolicy()
	calls := 0
	err := database.Retry(ctx, p, func(ctx context.Context) error {
		return env.Tx(ctx, func(tx *ent.Tx) error {
			calls++
			if err := tx.Category.Create().SetName("once").Exec(ctx); err != nil {
				return err
			}
			if calls == 1 {
				return errDeadlock
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := env.Client.Category.Query().Count(ctx); err != nil || n != 1 {
		t.Fatalf("%d categories (%v), want exactly 1", n, err)
	}
	if s := p.Stats(); s.Retries != 1 {
		t.Errorf("Stats() = %+v, want 1 retry", s)
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
	run := func(first, second int) error {
		return env.Tx(ctx, func(tx *ent.Tx) error {
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
