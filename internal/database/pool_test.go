package database_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/testenv"
)

// An operator's DSN that says nothing about timeouts gets the package's;
// one that names a timeout keeps it, even 0 (no timeout).
func TestADSNWithoutTimeoutsGetsTheDefaultsAndOneWithThemKeepsThem(t *testing.T) {
	t.Parallel()
	base := "u:p@tcp(db:3306)/shop"
	for _, c := range []struct {
		name               string
		dsn                string
		cfg                database.Config
		dial, read, write  time.Duration
		migrateRead, migrW time.Duration
	}{
		{"bare", base, database.Config{}, database.DefaultDialTimeout, database.DefaultReadTimeout, database.DefaultWriteTimeout, 0, 0},
		{"config defaults", base, database.Config{DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 3 * time.Second},
			time.Second, 2 * time.Second, 3 * time.Second, 0, 0},
		{"the DSN's own", base + "?timeout=7s&readTimeout=8s&writeTimeout=9s", database.Config{ReadTimeout: time.Second},
			7 * time.Second, 8 * time.Second, 9 * time.Second, 8 * time.Second, 9 * time.Second},
		{"an explicit zero", base + "?readTimeout=0&parseTime=false", database.Config{},
			database.DefaultDialTimeout, 0, database.DefaultWriteTimeout, 0, 0},
		{"a password with a question mark", "u:p?readTimeout=1s@tcp(db:3306)/shop", database.Config{},
			database.DefaultDialTimeout, database.DefaultReadTimeout, database.DefaultWriteTimeout, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			app, migration, err := database.MySQLConfigs(c.dsn, c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if app.Timeout != c.dial || app.ReadTimeout != c.read || app.WriteTimeout != c.write {
				t.Errorf("app connections: dial %v read %v write %v; want %v %v %v", app.Timeout, app.ReadTimeout, app.WriteTimeout, c.dial, c.read, c.write)
			}
			// DDL may run long: the migration connection keeps only what
			// the operator asked for.
			if migration.ReadTimeout != c.migrateRead || migration.WriteTimeout != c.migrW || migration.Timeout != c.dial {
				t.Errorf("migration connection: dial %v read %v write %v; want %v %v %v", migration.Timeout, migration.ReadTimeout, migration.WriteTimeout, c.dial, c.migrateRead, c.migrW)
			}
		})
	}
}

func TestThePoolIsSizedByTheConfig(t *testing.T) {
	t.Parallel()
	env := testenv.MySQL(t)
	db, err := database.Open(t.Context(), database.Config{MySQLDSN: env.DSN, MaxOpenConns: 3, MaxIdleConns: 1,
		ConnMaxLifetime: time.Minute, ConnMaxIdleTime: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := db.SQL.Stats().MaxOpenConnections; got != 3 {
		t.Fatalf("MaxOpenConnections = %d, want 3", got)
	}
	// Three held at once, then released: one stays idle.
	var conns []*sql.Conn
	for range 3 {
		c, err := db.SQL.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		_ = c.Close()
	}
	if s := db.SQL.Stats(); s.Idle != 1 || s.OpenConnections != 1 {
		t.Fatalf("after releasing 3 connections: %d open, %d idle; want 1 kept idle", s.OpenConnections, s.Idle)
	}
}

// A server that refuses a connection for a connection limit (1040 for
// max_connections, 1203 for max_user_connections, 1226 for an account's
// MAX_USER_CONNECTIONS) ran nothing: the transaction is retried under the
// shared policy until a connection frees up. The limit here is a real
// account limit, so the shared server's max_connections is left alone.
func TestATransactionRefusedForTooManyConnectionsIsRetriedUntilOneFrees(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	env := testenv.MySQL(t)
	dsn := limitedUser(t, env, 1)

	// Another client of the same account holds its only connection.
	holder, held := connectEventually(t, dsn)
	defer holder.Close()

	db, err := database.Open(ctx, database.Config{MySQLDSN: dsn, MaxOpenConns: 1})
	if err == nil {
		db.Close()
		t.Fatal("Open connected past the account's connection limit")
	}
	var me *mysql.MySQLError
	if !errors.As(err, &me) || !database.IsRetryable(err) {
		t.Fatalf("a connection refused for the account's limit: %T %v; want a retryable MySQL error", err, err)
	}
	t.Logf("the server refused with %d: %s", me.Number, me.Message)

	// Open again once the holder lets go, then take the connection away
	// again and see the transaction wait its turn through the retries.
	_ = held.Close()
	_ = holder.Close()
	db = openEventually(t, dsn)
	defer db.Close()
	db.SQL.SetMaxIdleConns(0) // every transaction dials: the limit applies to each

	holder2, held2 := connectEventually(t, dsn)
	defer holder2.Close()
	db.Retry = &database.RetryPolicy{Attempts: 50, Base: 10 * time.Millisecond, Max: 100 * time.Millisecond}
	// The other client finishes once the transaction has been refused at
	// least once (counted as a retry).
	released := make(chan struct{})
	go func() {
		defer close(released)
		for db.Retry.Stats().Retries == 0 && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
		}
		_ = held2.Close()
		_ = holder2.Close()
	}()
	err = db.InTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		return tx.Category.Create().SetName("placed after a refusal").Exec(ctx)
	})
	<-released
	if err != nil {
		t.Fatalf("the transaction failed instead of waiting for a connection: %v (%+v)", err, db.Retry.Stats())
	}
	// The server counts a closed connection against the limit until it
	// has seen the close, so the check may be refused a moment too.
	n, err := 0, error(nil)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		n, err = db.Client.Category.Query().Count(ctx)
		if err == nil || !database.IsRetryable(err) || time.Now().After(deadline) {
			break
		}
	}
	if err != nil || n != 1 {
		t.Fatalf("%d categories (%v), want the one placed", n, err)
	}
}

// limitedUser creates an account that may hold conns connections at once,
// with every right on env's database, and returns its DSN. It is dropped
// when the test ends.
func limitedUser(t *testing.T, env *testenv.MySQLEnv, conns int) string {
	t.Helper()
	ctx := t.Context()
	user := fmt.Sprintf("sf_t_lim_%x", rand.Uint64())
	const password = "limited-user-pw"
	root := env.SQL
	stmts := []string{
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s' WITH MAX_USER_CONNECTIONS %d", user, password, conns),
		fmt.Sprintf("GRANT ALL ON `%s`.* TO '%s'@'%%'", env.Name, user),
	}
	for _, s := range stmts {
		if _, err := root.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := root.ExecContext(ctx, fmt.Sprintf("DROP USER IF EXISTS '%s'@'%%'", user)); err != nil {
			t.Errorf("dropping user %s: %v", user, err)
		}
	})
	cfg, err := mysql.ParseDSN(env.DSN)
	if err != nil {
		t.Fatal(err)
	}
	cfg.User, cfg.Passwd = user, password
	return cfg.FormatDSN()
}

// openEventually opens dsn, waiting out the server's release of a
// connection another client just closed.
func openEventually(t *testing.T, dsn string) *database.DB {
	t.Helper()
	var err error
	for range 100 {
		var db *database.DB
		if db, err = database.Open(t.Context(), database.Config{MySQLDSN: dsn, MaxOpenConns: 1}); err == nil {
			return db
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("opening after the other client left: %v", err)
	return nil
}

// connectEventually takes a connection of dsn's account for the caller,
// waiting out the server's release of one just closed.
func connectEventually(t *testing.T, dsn string) (*sql.DB, *sql.Conn) {
	t.Helper()
	pool, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		var c *sql.Conn
		if c, err = pool.Conn(t.Context()); err == nil {
			return pool, c
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("connecting as the limited user: %v", err)
	return nil, nil
}
