package skusearch_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/internal/search"
	"github.com/storefront/storefront/internal/seed"
	"github.com/storefront/storefront/internal/skusearch"
	"github.com/storefront/storefront/internal/testenv"
)

// Two instances over one database and Redis: a change one of them takes
// reaches the other's index within the 2 seconds, and a reindex
// request rebuilds every index.
func TestAChangeOnOneInstanceReachesTheOthersIndex(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	env := testenv.MySQL(t)
	if _, err := seed.Catalog(ctx, env.DB); err != nil {
		t.Fatal(err)
	}
	addr, prefix := testenv.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	instance := func() (*skusearch.Service, *skusearch.Fleet) {
		idx, err := search.OpenBleve("")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = idx.Close() })
		s := skusearch.New(env.Client, idx, log)
		if _, err := s.Reindex(ctx); err != nil {
			t.Fatal(err)
		}
		return s, skusearch.NewFleet(s, rdb, prefix)
	}
	_, a := instance()
	b, bf := instance()
	fctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); bf.Follow(fctx) }()
	t.Cleanup(func() { stop(); <-done })
	time.Sleep(200 * time.Millisecond) // subscribed

	found := func(text string) int {
		res, err := b.Index().Search(ctx, search.Query{Text: text, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	k := env.Client.SKU.Query().FirstX(ctx)
	env.Client.SKU.UpdateOneID(k.ID).SetName("独一无二的测试名").ExecX(ctx)
	start := time.Now()
	a.Changed(ctx, k.ID)
	for found("独一无二") == 0 && time.Since(start) < 2*time.Second {
		time.Sleep(10 * time.Millisecond)
	}
	if found("独一无二") != 1 {
		t.Fatal("instance B's index did not see A's change within 2 s")
	}
	t.Logf("A's change reached B's index in %v", time.Since(start).Round(time.Millisecond))

	// A change that bypassed the partner service reaches B on a reindex.
	env.Client.SKU.UpdateOneID(k.ID).SetName("另一个测试名").ExecX(ctx)
	if err := a.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	for found("另一个测试名") == 0 && time.Since(start) < 5*time.Second {
		time.Sleep(10 * time.Millisecond)
	}
	if found("另一个测试名") != 1 {
		t.Fatal("a reindex request did not rebuild instance B's index")
	}
}
