package testenv_test

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/internal/testenv"
)

func TestMySQLCreatesMigratesAndDrops(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var name, dsn string
	ok := t.Run("inner", func(t *testing.T) {
		env := testenv.MySQL(t)
		name, dsn = env.Name, env.DSN
		if !strings.HasPrefix(name, "sf_t_testmysqlcreatesmigratesand") {
			t.Errorf("database name %q does not start with the sanitized test name", name)
		}
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil || cfg.DBName != name {
			t.Fatalf("DSN %q names %q (%v), want %q", dsn, cfg.DBName, err, name)
		}
		if n, err := env.Client.Category.Query().Count(ctx); err != nil || n != 0 {
			t.Fatalf("migrated database: %d categories, %v", n, err)
		}
	})
	if !ok {
		return
	}
	if exists(t, name) {
		t.Fatalf("database %s still exists after its test ended", name)
	}
}

func exists(t *testing.T, name string) bool {
	t.Helper()
	cfg, err := mysql.ParseDSN(testenv.MySQLServerDSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = ""
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func TestRedisPrefixIsCleanedUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var addr, prefix string
	ok := t.Run("inner", func(t *testing.T) {
		addr, prefix = testenv.Redis(t)
		if !strings.HasPrefix(prefix, "t:") || !strings.HasSuffix(prefix, ":") {
			t.Fatalf("prefix %q, want t:<hex>:", prefix)
		}
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		defer rdb.Close()
		pipe := rdb.Pipeline()
		for i := range 2500 { // more than one SCAN page
			pipe.Set(ctx, prefix+"k"+strconv.Itoa(i), "v", 0)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
	})
	if !ok {
		return
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	left := 0
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		left++
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Fatalf("%d keys under %s left after the test", left, prefix)
	}
}
