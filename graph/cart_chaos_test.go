//go:build chaos

package graph_test

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/app"
	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/gqltest"
	"github.com/storefront/storefront/internal/order"
)

// ownRedis starts a redis-server of the test's own, without persistence,
// and returns its address and process; it is shut down when the test ends.
func ownRedis(t *testing.T) (string, *exec.Cmd) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command("redis-server", "--port", fmt.Sprint(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGCONT)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	for i := 0; rdb.Ping(context.Background()).Err() != nil; i++ {
		if i == 100 {
			t.Fatal("the test's redis-server does not answer")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return addr, cmd
}

// Redis freezes (SIGSTOP) as an order commits, and thaws with its data
// once the order's call has given up on the cart. The lines leave the cart
// once: the owed clean-up takes them after the thaw, and units the shopper
// adds after the thaw stay and are what the next order buys.
func TestAnOrderPlacedWhileRedisIsFrozenTakesItsLinesOutOnceAfterTheThaw(t *testing.T) {
	t.Parallel()
	addr, redisProc := ownRedis(t)
	var once sync.Once
	freeze := order.WithFaultBeforeStock(func(context.Context, *ent.Tx) error {
		once.Do(func() { _ = redisProc.Process.Signal(syscall.SIGSTOP) })
		return nil
	})
	s := gqltest.Start(t, gqltest.Options{
		Config: func(c *config.Config) { c.RedisAddr = addr },
		App:    app.Options{Orders: []order.Option{freeze}},
	})
	id := skuIDByName(t, s, "Studio Max Black")
	b := newBuyer(t, s, map[string]int{id: 2})
	var p placed
	mustDecode(t, b.place(t, s, "CASH", ""), &p)
	if err := redisProc.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}

	// After the thaw the shopper wants one more.
	if _, res := cartCall(t, s, b.Header(), addDoc, map[string]any{"id": id, "n": 1}); len(res.Errors) > 0 {
		t.Fatalf("add to cart: %+v", res.Errors)
	}
	if _, err := s.App.Orders.ClearOwedCarts(t.Context(), 100); err != nil {
		t.Fatal(err)
	}
	v, _ := cartCall(t, s, b.Header(), cartDoc, nil)
	if v.LineCount != 1 || v.Lines[0].Count != 1 {
		t.Fatalf("after the clean-up the cart holds %+v, want the unit added after the thaw", v.Lines)
	}
	var next placed
	mustDecode(t, b.place(t, s, "CASH", ""), &next)
	if next.PlaceOrder.TotalCount != v.Lines[0].Count {
		t.Fatalf("the next order bought %d units, the cart held %d", next.PlaceOrder.TotalCount, v.Lines[0].Count)
	}
	if orders, _ := counts(t, s); orders != 2 {
		t.Fatalf("%d orders, want 2", orders)
	}
}
