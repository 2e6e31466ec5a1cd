package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/storefront/storefront/internal/telemetry"
)

// No test of this package installs a provider (Setup with an endpoint or
// a processor): the one over OTLP is otlpdump's, in its own process, so
// here the global provider is still the default one.

// Without an endpoint Setup installs nothing: the global provider and
// propagator stay the no-op defaults, and a span started from them does
// not record.
func TestWithoutAnEndpointNothingIsInstalled(t *testing.T) {
	tp, prop := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	shutdown, err := telemetry.Setup(t.Context(), telemetry.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := shutdown(t.Context()); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if otel.GetTracerProvider() != tp || otel.GetTextMapPropagator() != prop {
		t.Error("Setup without an endpoint replaced the global provider or propagator")
	}
	_, span := otel.Tracer("t").Start(t.Context(), "s")
	defer span.End()
	if span.IsRecording() || span.SpanContext().IsValid() {
		t.Errorf("the global provider makes recording spans (%v): not the no-op default", span.SpanContext())
	}
	if f := prop.Fields(); len(f) != 0 {
		t.Errorf("the global propagator reads %v: not the no-op default", f)
	}
}

// An endpoint the exporter could never post to fails Setup, which then
// installs nothing.
func TestABadEndpointFailsSetup(t *testing.T) {
	tp := otel.GetTracerProvider()
	for _, e := range []string{"127.0.0.1:4318", "ftp://collector", "http://"} {
		if _, err := telemetry.Setup(t.Context(), telemetry.Config{Endpoint: e}); err == nil {
			t.Errorf("Setup accepted %q", e)
		}
	}
	if otel.GetTracerProvider() != tp {
		t.Error("a failed Setup replaced the global provider")
	}
}

// Inherited's spans are children of the caller's, by the caller's
// provider; without a recording caller (background work, a trace the
// client sampled out) there is no span, and the caller's context, with
// its trace, goes on as it was.
func TestInheritedSpansOnlyUnderARecordingSpan(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	tracer := telemetry.Inherited().Tracer("t")

	ctx, span := tracer.Start(context.Background(), "background")
	span.End()
	if ctx != context.Background() || span.IsRecording() {
		t.Error("a span without a caller's")
	}

	sampledOut := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2},
	}))
	if ctx, span := tracer.Start(sampledOut, "sampled out"); ctx != sampledOut || span.IsRecording() {
		t.Error("a span under a sampled-out caller, or its context lost")
	}

	parentCtx, parent := tp.Tracer("t").Start(context.Background(), "request")
	_, child := tracer.Start(parentCtx, "statement")
	child.End()
	parent.End()
	ended := rec.Ended()
	if len(ended) != 2 || ended[0].Name() != "statement" || ended[0].Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Fatalf("recorded %d spans; want the statement under the request", len(ended))
	}
}

// A record logged with a traced request's context carries its trace_id
// and span_id; one without a span carries neither.
func TestTheLogHandlerAddsTheTraceToRecordsOfATracedContext(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(telemetry.LogHandler(slog.NewJSONHandler(&buf, nil))).With("app", "storefront")
	tp := sdktrace.NewTracerProvider()
	defer func() { _ = tp.Shutdown(context.Background()) }()
	ctx, span := tp.Tracer("t").Start(context.Background(), "request")
	defer span.End()

	log.InfoContext(ctx, "traced")
	log.InfoContext(context.Background(), "untraced")
	var lines []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
	}
	sc := span.SpanContext()
	if got := lines[0]; got["trace_id"] != sc.TraceID().String() || got["span_id"] != sc.SpanID().String() || got["app"] != "storefront" {
		t.Errorf("traced record %v, want trace_id %s span_id %s", got, sc.TraceID(), sc.SpanID())
	}
	if got := lines[1]; got["trace_id"] != nil || got["span_id"] != nil {
		t.Errorf("untraced record %v has trace attributes", got)
	}
}
