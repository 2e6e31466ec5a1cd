//go:build chaos

package database_test

import (
	"context"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/faultproxy"
	"github.com/storefront/storefront/internal/testenv"
)

// A database that stops answering (SIGSTOP, a stalled disk, a cut network
// path) must not hold a statement for the whole freeze: the read timeout
// ends it with a retryable error, and once the server answers again the
// pool serves new statements on fresh connections.
func TestAStatementToAFrozenDatabaseFailsRetryablyAfterTheReadTimeout(t *testing.T) {
	t.Parallel()
	env := testenv.MySQL(t)
	cfg, err := mysql.ParseDSN(env.DSN)
	if err != nil {
		t.Fatal(err)
	}
	proxy := faultproxy.Start(t, cfg.Addr)
	db, err := database.Open(t.Context(), database.Config{MySQLDSN: proxy.MySQLDSN(t, env.DSN), ReadTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Client.Category.Query().Count(t.Context()); err != nil {
		t.Fatal(err)
	}

	proxy.Freeze()
	done := make(chan error, 1)
	go func() {
		// No deadline of its own, as the sweeper's statements have none.
		_, err := db.Client.Category.Query().Count(context.Background())
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !database.IsRetryable(err) {
			t.Fatalf("a statement to the frozen database: %v; want a retryable error", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("a statement is still waiting for the frozen database a minute later")
	}

	proxy.Thaw()
	if _, err := db.Client.Category.Query().Count(t.Context()); err != nil {
		t.Fatalf("after the thaw: %v", err)
	}
}
