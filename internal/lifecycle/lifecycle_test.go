package lifecycle_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storefront/storefront/internal/lifecycle"
)

// events records what happened in order, across goroutines.
type events struct {
	mu   sync.Mutex
	list []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, s)
}

func (e *events) index(s string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, v := range e.list {
		if v == s {
			return i
		}
	}
	return -1
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// A SIGTERM while an order is being placed: the balancer is told at once
// (readiness), requests still arriving during the drain delay are served
// but close their connection, the order in flight finishes with its
// answer, and only then does the background work stop.
func TestSIGTERMDrainsInFlightRequestsBeforeTheBackgroundStops(t *testing.T) {
	var (
		ev       events
		draining atomic.Bool
		entered  = make(chan struct{})
		release  = make(chan struct{})
	)
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, _ *http.Request) {
		close(entered)
		<-release
		ev.add("slow answered")
		_, _ = io.WriteString(w, "placed")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if draining.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	ln := listen(t)
	base := "http://" + ln.Addr().String()
	ctx, sigterm := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- lifecycle.Run(ctx, lifecycle.Options{
			Main: lifecycle.Server{Name: "http", HTTP: &http.Server{Handler: mux}, Listener: ln},
			Background: func(ctx context.Context) error {
				<-ctx.Done()
				ev.add("background stopped")
				return nil
			},
			Draining:        func() { draining.Store(true); ev.add("draining") },
			DrainDelay:      300 * time.Millisecond,
			ShutdownTimeout: 5 * time.Second,
			Log:             slog.New(slog.DiscardHandler),
		})
	}()

	slow := make(chan string, 1)
	go func() {
		resp, err := http.Get(base + "/slow")
		if err != nil {
			slow <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		slow <- string(b)
	}()
	<-entered
	sigterm()
	deadline := time.Now().Add(2 * time.Second)
	for !draining.Load() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatalf("readyz during the drain delay: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz while draining: %d, want 503", resp.StatusCode)
	}
	if !resp.Close {
		t.Error("an answer during the drain delay keeps its connection open; the balancer would reuse it as the listener closes")
	}

	time.Sleep(500 * time.Millisecond) // past the delay: Shutdown is waiting for /slow
	select {
	case err := <-done:
		t.Fatalf("Run returned (%v) while a request was in flight", err)
	default:
	}
	if i := ev.index("background stopped"); i >= 0 {
		t.Fatal("the background work stopped while a request was in flight")
	}
	close(release)
	if got := <-slow; got != "placed" {
		t.Errorf("the in-flight request got %q, want its answer", got)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if a, b := ev.index("slow answered"), ev.index("background stopped"); a < 0 || b < a {
		t.Errorf("events %v: the background must stop after the last request", ev.list)
	}
	if _, err := http.Get(base + "/readyz"); err == nil {
		t.Error("a request after Run returned was served")
	}
}

// A server that cannot serve (its listener closed under it) ends the
// process's Run with that error rather than leaving the background work
// running with nobody to answer shoppers.
func TestAFailedServerStopsTheBackgroundAndReturnsItsError(t *testing.T) {
	ln := listen(t)
	metricsLn := listen(t)
	metricsLn.Close()
	stopped := make(chan struct{})
	err := lifecycle.Run(context.Background(), lifecycle.Options{
		Main:            lifecycle.Server{Name: "http", HTTP: &http.Server{Handler: http.NotFoundHandler()}, Listener: ln},
		Others:          []lifecycle.Server{{Name: "metrics", HTTP: &http.Server{Handler: http.NotFoundHandler()}, Listener: metricsLn}},
		Background:      func(ctx context.Context) error { <-ctx.Done(); close(stopped); return nil },
		DrainDelay:      time.Hour,
		ShutdownTimeout: time.Second,
		Log:             slog.New(slog.DiscardHandler),
	})
	if err == nil || !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Run: %v, want the metrics server's closed listener", err)
	}
	select {
	case <-stopped:
	default:
		t.Error("Run returned before the background work stopped")
	}
}
