// Package lifecycle runs a server process: its HTTP servers and its
// background work under one errgroup, and the order they stop in on
// SIGTERM. A load balancer must see the instance leave before it stops
// answering, and work a request started (an order batch, a payment) must
// end before the background work and the connections it uses go away.
package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// Server is one HTTP server and where it listens.
type Server struct {
	Name     string
	HTTP     *http.Server
	Listener net.Listener
}

// Options say what Run runs and how it stops.
type Options struct {
	// Main serves shoppers; Others (metrics) stop after it, so a scrape
	// still sees the drain.
	Main   Server
	Others []Server
	// Background runs until its context ends, which is after Main has
	// stopped: the sweeper and the job worker outlive every request that
	// could hand them work.
	Background func(ctx context.Context) error
	// Draining is called first when ctx ends: /readyz answers 503 from
	// then on.
	Draining func()
	// DrainDelay is how long Main goes on serving after Draining, each
	// answer closing its connection (Connection: close), so the
	// balancer's next readiness probe moves new requests away and its
	// pooled connections end after an answer, which it knows not to
	// reuse, rather than under a request it is sending.
	DrainDelay time.Duration
	// ShutdownTimeout bounds the wait for in-flight requests.
	ShutdownTimeout time.Duration
	Log             *slog.Logger
}

// Run serves until ctx ends or a server fails, then stops in order:
// draining, Main's in-flight requests, the other servers, the background
// work. It returns when all of it has returned.
func Run(ctx context.Context, o Options) error {
	var draining atomic.Bool
	serve := o.Main.HTTP.Handler
	// Not SetKeepAlivesEnabled(false): it also closes the idle
	// connections at once, and one the balancer is just sending a
	// request on fails that request, which it may not resend (a POST).
	o.Main.HTTP.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if draining.Load() {
			w.Header().Set("Connection", "close")
		}
		serve.ServeHTTP(w, r)
	})
	g, gctx := errgroup.WithContext(context.Background())
	servers := append([]Server{o.Main}, o.Others...)
	for _, s := range servers {
		g.Go(func() error {
			if err := s.HTTP.Serve(s.Listener); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("%s server: %w", s.Name, err)
			}
			return nil
		})
	}
	bgCtx, stopBackground := context.WithCancel(context.Background())
	defer stopBackground()
	if o.Background != nil {
		g.Go(func() error { return o.Background(bgCtx) })
	}
	g.Go(func() error {
		defer stopBackground()
		select {
		case <-ctx.Done():
			o.Log.Info("draining", "delay", o.DrainDelay, "timeout", o.ShutdownTimeout)
		case <-gctx.Done():
			// Something failed: stop the rest without waiting on a balancer.
			return shutdown(servers, o.ShutdownTimeout)
		}
		draining.Store(true)
		if o.Draining != nil {
			o.Draining()
		}
		select {
		case <-time.After(o.DrainDelay):
		case <-gctx.Done():
		}
		return shutdown(servers, o.ShutdownTimeout)
	})
	return g.Wait()
}

// shutdown stops the servers one after the other, Main first, each given
// what is left of timeout.
func shutdown(servers []Server, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var errs []error
	for _, s := range servers {
		if err := s.HTTP.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s server: shutdown: %w", s.Name, err))
		}
	}
	return errors.Join(errs...)
}
