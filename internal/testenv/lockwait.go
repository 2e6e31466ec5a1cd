package testenv

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/storefront/storefront/internal/database"
)

// ShortLockWait opens env's database a second time, with sessions that
// wait at most seconds for a row lock (innodb_lock_wait_timeout; the
// server's default is 50): a statement blocked by LockRows then fails the
// way a lock-wait timeout does in production (1205), soon enough for a
// test to see it retried. It is closed when the test ends.
func ShortLockWait(t testing.TB, env *MySQLEnv, seconds int) *database.DB {
	t.Helper()
	cfg, err := mysql.ParseDSN(env.DSN)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["innodb_lock_wait_timeout"] = strconv.Itoa(seconds)
	db, err := database.Open(t.Context(), database.Config{MySQLDSN: cfg.FormatDSN()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// LockRows locks the rows query selects (FOR UPDATE is appended) in a
// transaction on env's own pool, and keeps them locked until until
// reports true (polled every millisecond) or the test ends.
func LockRows(t testing.TB, env *MySQLEnv, until func() bool, query string, args ...any) {
	t.Helper()
	ctx := context.Background()
	tx, err := env.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := tx.QueryContext(ctx, query+" FOR UPDATE", args...)
	if err != nil {
		_ = tx.Rollback()
		t.Fatal(err)
	}
	_ = rows.Close()
	released := make(chan struct{})
	stop := make(chan struct{})
	go func() {
		defer close(released)
		defer func() { _ = tx.Rollback() }()
		for !until() {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		<-released
	})
}
