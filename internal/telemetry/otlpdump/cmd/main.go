// Command otlpdump receives OTLP/HTTP traces on a local address, prints
// each span as it arrives, and the trees of every trace when interrupted:
//
//	go run ./internal/telemetry/otlpdump/cmd -addr 127.0.0.1:4318
//	storefront -otlp-endpoint http://127.0.0.1:4318
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/storefront/storefront/internal/telemetry/otlpdump"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4318", "address to listen on (loopback: it is for a developer's machine)")
	flag.Parse()
	recv := &otlpdump.Receiver{OnSpan: func(s otlpdump.Span) {
		fmt.Printf("%s %-32s %10s  %s\n", s.TraceID, s.Name, s.Duration().Round(100*time.Microsecond), s.Resource["service.instance.id"])
	}}
	srv := &http.Server{Addr: *addr, Handler: recv, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	fmt.Fprintf(os.Stderr, "otlpdump: receiving on http://%s/v1/traces; interrupt to print the traces\n", *addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "otlpdump:", err)
		os.Exit(1)
	}
	otlpdump.Tree(os.Stdout, recv.Spans())
}
