package hotskus_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/apperr"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/hotskus"
	"github.com/storefront/storefront/internal/testenv"
)

// shop is a catalog of two sub-categories under one top category, with
// sales that order the SKUs, on a client that counts its statements.
type shop struct {
	client     *ent.Client
	statements *atomic.Int64
	top, a, b  int
	skus       map[string]int
}

func newShop(t *testing.T, db *database.DB) shop {
	t.Helper()
	ctx := t.Context()
	c := db.Client
	top := c.Category.Create().SetName("数码").SaveX(ctx)
	a := c.Category.Create().SetName("手机").SetParentID(top.ID).SaveX(ctx)
	b := c.Category.Create().SetName("耳机").SetParentID(top.ID).SaveX(ctx)
	other := c.Category.Create().SetName("水果").SaveX(ctx)
	s := shop{top: top.ID, a: a.ID, b: b.ID, skus: map[string]int{}}
	for _, k := range []struct {
		name     string
		cat      int
		sales    int
		launched bool
	}{
		{"华为 Mate 60", a.ID, 500, true}, {"小米 14", a.ID, 800, true}, {"iPhone 15", a.ID, 800, true},
		{"未上架手机", a.ID, 9999, false}, {"索尼耳机", b.ID, 650, true}, {"倍思耳机", b.ID, 10, true},
		{"红富士苹果", other.ID, 5000, true},
	} {
		g := c.Goods.Create().SetName(k.name).SetCategoryID(k.cat).SaveX(ctx)
		row := c.SKU.Create().SetName(k.name).SetPrice(100).SetStock(5).SetSales(k.sales).SetLaunched(k.launched).
			SetCategoryID(k.cat).SetGoodsID(g.ID).SaveX(ctx)
		s.skus[k.name] = row.ID
	}
	s.statements = &atomic.Int64{}
	counted := dialect.DebugWithContext(entsql.OpenDB(db.Dialect, db.SQL), func(context.Context, ...any) { s.statements.Add(1) })
	s.client = ent.NewClient(ent.Driver(counted))
	return s
}

func names(rows []*ent.SKU) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Name
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// service returns the service over s, its Redis client and its hash.
func service(t *testing.T, s shop, cfg hotskus.Config) (*hotskus.Service, *redis.Client, string) {
	addr, prefix := testenv.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	return hotskus.New(s.client, rdb, prefix, cfg, slog.New(slog.NewTextHandler(io.Discard, nil))), rdb, prefix + "hot"
}

func TestBestSellersOfASubtreeComeFromOneStatementThenFromRedis(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]func(t *testing.T) *database.DB{
		"mariadb": func(t *testing.T) *database.DB { return testenv.MySQL(t).DB },
		"sqlite": func(t *testing.T) *database.DB {
			db, err := database.Open(t.Context(), database.Config{SQLitePath: filepath.Join(t.TempDir(), "s.db")})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			if err := database.Migrate(t.Context(), db); err != nil {
				t.Fatal(err)
			}
			return db
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newShop(t, open(t))
			svc, rdb, key := service(t, s, hotskus.Config{})
			ctx := t.Context()
			got, err := svc.Top(ctx, s.top, 4)
			if err != nil {
				t.Fatal(err)
			}
			// Most sold first, ties by id; the unlaunched SKU and the other
			// tree's fruit are not in it.
			if want := []string{"小米 14", "iPhone 15", "索尼耳机", "华为 Mate 60"}; !equal(names(got), want) {
				t.Fatalf("top of the tree: %v, want %v", names(got), want)
			}
			// The list's statement, and the first read of the known ids.
			if n := s.statements.Load(); n != 2 {
				t.Fatalf("the first refresh took %d statements, want 2", n)
			}
			got, _ = svc.Top(ctx, s.top, 2)
			leaf, _ := svc.Top(ctx, s.b, 2)
			if !equal(names(got), []string{"小米 14", "iPhone 15"}) || !equal(names(leaf), []string{"索尼耳机", "倍思耳机"}) {
				t.Fatalf("cached top 2 %v, leaf %v", names(got), names(leaf))
			}
			if n := s.statements.Load(); n != 3 {
				t.Fatalf("a hit cost SQL: %d statements after two more calls (one of them a new category), want 3", n)
			}
			// After a sales move a refresh is one statement again: the
			// known ids stay.
			svc.Invalidate(ctx)
			if _, err := svc.Top(ctx, s.top, 2); err != nil {
				t.Fatal(err)
			}
			if n := s.statements.Load(); n != 4 {
				t.Fatalf("a refresh after Invalidate took %d statements, want 1", n-3)
			}
			// Unknown ids: NOT_FOUND with no SQL and nothing kept for them.
			for id := 100_000; id < 100_050; id++ {
				if _, err := svc.Top(ctx, id, 2); apperr.CodeOf(err) != apperr.CodeNotFound {
					t.Fatalf("unknown category %d: %v", id, err)
				}
			}
			if n := s.statements.Load(); n != 4 {
				t.Fatalf("50 unknown ids cost %d statements", n-4)
			}
			if n := rdb.HLen(ctx, key).Val(); n > 4 {
				t.Fatalf("the hash holds %d fields after 50 unknown ids", n)
			}
		})
	}
}

func TestConcurrentMissesShareOneStatement(t *testing.T) {
	t.Parallel()
	s := newShop(t, testenv.MySQL(t).DB)
	svc, _, _ := service(t, s, hotskus.Config{})
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := svc.Top(t.Context(), s.a, 3); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := s.statements.Load(); n != 2 {
		// One flight for the known ids, one for the list; a caller that
		// missed the cache just before a flight stored its answer finds
		// it in Redis inside its own flight.
		t.Fatalf("50 concurrent misses cost %d statements, want 2", n)
	}
}

func TestAListExpiresAndIsDroppedWhenSalesMoveOrAPartnerChangesASKU(t *testing.T) {
	t.Parallel()
	s := newShop(t, testenv.MySQL(t).DB)
	svc, _, _ := service(t, s, hotskus.Config{TTL: time.Minute, MovedEnough: 100})
	clock := time.Now()
	svc.Now = func() time.Time { return clock }
	ctx := t.Context()
	top := func() []string {
		t.Helper()
		got, err := svc.Top(ctx, s.b, 2)
		if err != nil {
			t.Fatal(err)
		}
		return names(got)
	}
	top()
	s.client.SKU.UpdateOneID(s.skus["倍思耳机"]).SetSales(700).ExecX(ctx) // 690 units sold
	if got := top(); got[0] != "索尼耳机" {
		t.Fatalf("within its TTL the list changed: %v", got)
	}
	clock = clock.Add(time.Minute)
	if got := top(); got[0] != "倍思耳机" {
		t.Fatalf("after its TTL: %v", got)
	}

	// Sales that move enough drop the lists before their TTL.
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); svc.Watch(wctx, 20*time.Millisecond) }()
	time.Sleep(100 * time.Millisecond) // Watch has its first total
	s.client.SKU.UpdateOneID(s.skus["索尼耳机"]).SetSales(900).ExecX(ctx)
	deadline := time.Now().Add(5 * time.Second)
	for top()[0] != "索尼耳机" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	<-done
	if got := top(); got[0] != "索尼耳机" {
		t.Fatalf("250 units sold did not drop the list: %v", got)
	}

	s.client.SKU.UpdateOneID(s.skus["索尼耳机"]).SetLaunched(false).ExecX(ctx)
	svc.Invalidate(ctx)
	if got := top(); got[0] == "索尼耳机" {
		t.Fatalf("an unlaunched SKU stayed hot after Invalidate: %v", got)
	}
}

func TestFirstIsTwoToTen(t *testing.T) {
	t.Parallel()
	s := newShop(t, testenv.MySQL(t).DB)
	svc, _, _ := service(t, s, hotskus.Config{})
	for _, n := range []int{-1, 0, 1, 11, 1 << 30} {
		if _, err := svc.Top(t.Context(), s.a, n); apperr.CodeOf(err) != apperr.CodeBadUserInput {
			t.Errorf("first %d: %v", n, err)
		}
	}
}

func TestARedisThatDoesNotAnswerServesFromTheDatabase(t *testing.T) {
	t.Parallel()
	s := newShop(t, testenv.MySQL(t).DB)
	r := testenv.StartRedisServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr, ReadTimeout: 200 * time.Millisecond, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	svc := hotskus.New(s.client, rdb, "t:", hotskus.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	r.Stop()
	got, err := svc.Top(t.Context(), s.a, 2)
	if err != nil || !equal(names(got), []string{"小米 14", "iPhone 15"}) {
		t.Fatalf("with Redis down: %v, %v", names(got), err)
	}
}
