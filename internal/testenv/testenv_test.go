package testenv_test

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

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
		rdb := testenv.NewRedisClient(t, addr)
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
	left, err := testenv.Keys(ctx, testenv.NewRedisClient(t, addr), prefix+"*")
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Fatalf("%d keys under %s left after the test", len(left), prefix)
	}
}

// A cluster the tests start serves every slot: keys of many tags, written
// through one client, land on every master and are all found again.
func TestRedisClusterServesEverySlot(t *testing.T) {
	c := testenv.StartRedisCluster(t)
	if n := len(strings.Split(c.Addrs, ",")); n != 3 {
		t.Fatalf("cluster addrs %q: %d masters, want 3", c.Addrs, n)
	}
	rdb := testenv.NewRedisClient(t, c.Addrs)
	ctx := context.Background()
	prefix := "t:cluster:" + strconv.Itoa(int(time.Now().UnixNano())) + ":"
	for i := range 50 {
		if err := rdb.Set(ctx, prefix+"{"+strconv.Itoa(i)+"}", i, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := testenv.Keys(ctx, rdb, prefix+"*")
	if err != nil || len(keys) != 50 {
		t.Fatalf("Keys found %d keys (%v), want 50", len(keys), err)
	}
	var (
		mu     sync.Mutex
		onNode []int
	)
	err = rdb.(*redis.ClusterClient).ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		n, err := node.DBSize(ctx).Result()
		mu.Lock()
		onNode = append(onNode, int(n))
		mu.Unlock()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range onNode {
		if n == 0 {
			t.Errorf("keys per master %v: one master holds none", onNode)
		}
	}
}
