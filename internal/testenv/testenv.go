// Package testenv gives each test its own MariaDB/MySQL database and Redis
// key prefix on the real servers, and removes them when the test ends. Only
// tests import it. The servers come from the environment:
//
//	STOREFRONT_TEST_MYSQL_DSN   go-sql-driver DSN of the server, no database name
//	                            (default "root@tcp(127.0.0.1:3306)/")
//	STOREFRONT_TEST_REDIS_ADDR  host:port (default "127.0.0.1:6379")
//	STOREFRONT_TEST_REDIS_CLUSTER  true: Redis gives a 3-master Redis Cluster
//	                            the test process starts (StartRedisCluster)
//	                            instead; its packages run through Main
//
// An unreachable server fails the test: tests never skip for a missing
// server (`make services` starts them).
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/internal/database"
)

const (
	defaultMySQLDSN  = "root@tcp(127.0.0.1:3306)/"
	defaultRedisAddr = "127.0.0.1:6379"
	// dbNamePrefix starts every test database's name, so leftovers of a
	// killed run are easy to find: SHOW DATABASES LIKE 'sf\_t\_%'.
	dbNamePrefix = "sf_t_"
)

// MySQLEnv is a migrated test database, opened.
type MySQLEnv struct {
	*database.DB
	// DSN is the database's go-sql-driver DSN, for a second instance
	// (database.Open with Config{MySQLDSN: DSN}) or raw checks.
	DSN string
	// Name is the database's name.
	Name string
}

// MySQL creates a fresh database, applies the migrations and opens it. When
// the test ends the database is closed and dropped. Safe under t.Parallel().
func MySQL(t testing.TB) *MySQLEnv {
	t.Helper()
	dsn, name := newDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, err := database.Open(ctx, database.Config{MySQLDSN: dsn})
	if err != nil {
		t.Fatalf("testenv: opening test database %s: %v", name, err)
	}
	t.Cleanup(func() { _ = db.Close() }) // runs before the DROP registered earlier
	if err := database.Migrate(ctx, db); err != nil {
		t.Fatalf("testenv: migrating test database %s: %v", name, err)
	}
	return &MySQLEnv{DB: db, DSN: dsn, Name: name}
}

// EmptyMySQL creates a fresh, empty database (no migrations applied) and
// returns its DSN; it is dropped when the test ends.
func EmptyMySQL(t testing.TB) (dsn string) {
	t.Helper()
	dsn, _ = newDatabase(t)
	return dsn
}

// MySQLServerDSN returns the server DSN (no database) the tests use.
func MySQLServerDSN() string {
	if dsn := strings.TrimSpace(os.Getenv("STOREFRONT_TEST_MYSQL_DSN")); dsn != "" {
		return dsn
	}
	return defaultMySQLDSN
}

func newDatabase(t testing.TB) (dsn, name string) {
	t.Helper()
	serverDSN := MySQLServerDSN()
	cfg, err := mysql.ParseDSN(serverDSN)
	if err != nil {
		t.Fatalf("testenv: STOREFRONT_TEST_MYSQL_DSN %q: %v", serverDSN, err)
	}
	cfg.DBName = ""
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatalf("testenv: STOREFRONT_TEST_MYSQL_DSN %q: %v", serverDSN, err)
	}
	server := sql.OpenDB(connector)
	server.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := server.PingContext(ctx); err != nil {
		_ = server.Close()
		t.Fatalf("testenv: MariaDB/MySQL at %s is unreachable: %v\n"+
			"start it (make services) or point STOREFRONT_TEST_MYSQL_DSN at a server (default %s)",
			cfg.Addr, err, defaultMySQLDSN)
	}
	name = dbNamePrefix + sanitize(t.Name(), 32) + "_" + RandomHex(6)
	// The server's default charset, like a database an operator creates:
	// the migrations set each table's charset and collation themselves.
	if _, err := server.ExecContext(ctx, "CREATE DATABASE `"+name+"`"); err != nil {
		_ = server.Close()
		t.Fatalf("testenv: creating test database %s: %v", name, err)
	}
	t.Cleanup(func() {
		defer server.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := server.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Errorf("testenv: dropping test database %s: %v", name, err)
		}
	})
	db := cfg.Clone()
	db.DBName = name
	return db.FormatDSN(), name
}

// sanitize turns a test name into at most n characters of [a-z0-9_].
func sanitize(s string, n int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if b.Len() >= n {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// RandomHex returns 2n random hex digits, for names a test must not
// share with another.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Redis returns the test Redis server's address and a key prefix unique to
// this test ("t:<random hex>:"). When the test ends every key under the
// prefix is deleted. Safe under t.Parallel(). In ClusterMode the address
// is the test cluster's masters, comma-separated (as -redis-addr takes
// them; NewRedisClient connects to either).
func Redis(t testing.TB) (addr, prefix string) {
	t.Helper()
	addr = strings.TrimSpace(os.Getenv("STOREFRONT_TEST_REDIS_ADDR"))
	if addr == "" {
		addr = defaultRedisAddr
	}
	if ClusterMode() {
		addr = StartRedisCluster(t).Addrs
	}
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: strings.Split(addr, ",")})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		t.Fatalf("testenv: Redis at %s is unreachable: %v\n"+
			"start it (make services) or point STOREFRONT_TEST_REDIS_ADDR at a server (default %s)",
			addr, err, defaultRedisAddr)
	}
	prefix = "t:" + RandomHex(8) + ":"
	t.Cleanup(func() {
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := deletePrefix(ctx, rdb, prefix); err != nil {
			t.Errorf("testenv: deleting Redis keys %s*: %v", prefix, err)
		}
	})
	return addr, prefix
}

// deletePrefix removes every key that starts with prefix (which must hold
// no glob metacharacters), on every master of a cluster.
func deletePrefix(ctx context.Context, rdb redis.UniversalClient, prefix string) error {
	return forEachMaster(ctx, rdb, func(ctx context.Context, rdb *redis.Client) error {
		return deleteOnNode(ctx, rdb, prefix)
	})
}

func deleteOnNode(ctx context.Context, rdb *redis.Client, prefix string) error {
	var cursor uint64
	for {
		keys, next, err := rdb.Scan(ctx, cursor, prefix+"*", 1000).Result()
		if err != nil {
			return err
		}
		// One UNLINK per key: a cluster node refuses one that names
		// keys of several slots.
		if len(keys) > 0 {
			if _, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, k := range keys {
					p.Unlink(ctx, k)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}
