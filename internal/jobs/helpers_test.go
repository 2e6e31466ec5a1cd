package jobs

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/internal/testenv"
)

// backend is a Redis and a queue name of the test's own.
type backend struct {
	rdb   redis.UniversalClient
	queue string
}

func newClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	// As the app opens it: the callers' deadlines bound the commands.
	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// realRedis is the shared Redis, with a queue under the test's prefix.
// asynq's keys (asynq:{queue}:…) are outside the prefix, so they are
// removed here when the test ends.
func realRedis(t *testing.T) backend {
	t.Helper()
	addr, prefix := testenv.Redis(t)
	b := backend{rdb: newClient(t, addr), queue: prefix + "jobs"}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := Drop(ctx, b.rdb, b.queue); err != nil {
			t.Errorf("deleting asynq's keys of %s: %v", b.queue, err)
		}
	})
	return b
}

func miniRedis(t *testing.T) backend {
	t.Helper()
	m := miniredis.RunT(t)
	return backend{rdb: newClient(t, m.Addr()), queue: "jobs"}
}

func newQueue(t *testing.T, b backend, cfg Config) *Queue {
	t.Helper()
	cfg.Queue = b.queue
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(tWriter{t}, nil))
	}
	q, err := New(b.rdb, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Close() })
	return q
}

// start runs q until the test ends (or stop is called) and checks that Run
// returned nil.
func start(t *testing.T, q *Queue) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(time.Minute):
				t.Errorf("Run did not return a minute after its ctx ended")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func stats(t *testing.T, q *Queue) Stats {
	t.Helper()
	s, err := q.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return s
}

func enqueue(t *testing.T, q *Queue, kind, id string, payload any) {
	t.Helper()
	if err := q.Enqueue(context.Background(), kind, id, payload); err != nil {
		t.Fatalf("Enqueue(%s, %s): %v", kind, id, err)
	}
}

// counter counts calls, safe for the workers.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) add(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[key]++
	return c.n[key]
}

func (c *counter) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

func (c *counter) keys() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.n)
}

// logBuffer collects a logger's lines for a test to read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// tWriter sends a queue's log to t.Log, seen when a test fails.
type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}
