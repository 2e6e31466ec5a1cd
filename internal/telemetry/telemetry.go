// Package telemetry traces Storefront's requests with OpenTelemetry: a span
// for the HTTP request, its GraphQL operation and root resolvers, and each
// SQL statement and Redis command they make, exported over OTLP/HTTP.
//
// Only the HTTP request starts a trace; everything under it makes child
// spans with the tracer provider of the span it runs under (Inherited), and
// none where that span does not record. So a process without an endpoint
// installs nothing (no exporter, the global provider left the no-op
// default) and its statements and commands pay a context look-up each.
// Background work (the sweeper, the job worker) runs outside any request
// and is not traced.
package telemetry

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// ServiceName is the service.name of every span.
const ServiceName = "storefront"

// Config says where spans go.
type Config struct {
	// Endpoint is the OTLP/HTTP collector's base URL, e.g.
	// http://127.0.0.1:4318 (spans go to its /v1/traces), or a full URL
	// with its own path. Empty: no tracing.
	Endpoint string
	// InstanceID is the service.instance.id; empty: a random one per
	// process, as instances behind one balancer share a host name in
	// containers and a pid of 1.
	InstanceID string
	// Processor takes the spans instead of an OTLP exporter (tests hand in
	// a tracetest.SpanRecorder). Set, it turns tracing on without an
	// endpoint.
	Processor sdktrace.SpanProcessor
}

// Enabled reports whether Setup installs anything.
func (c Config) Enabled() bool { return c.Endpoint != "" || c.Processor != nil }

// Export bounds: a collector that does not answer costs the batch
// processor's goroutine this long per batch, never a request, and a full
// queue drops spans rather than wait.
const (
	exportTimeout = 5 * time.Second
	exportRetries = 20 * time.Second
	// ShutdownTimeout bounds the last flush when the caller's context
	// sets no sooner deadline.
	ShutdownTimeout = 5 * time.Second
)

// Setup installs a tracer provider exporting to cfg's endpoint as the
// global one, and W3C trace context (with baggage) as the global
// propagator. Without an endpoint it installs nothing and its shutdown does
// nothing. shutdown flushes the spans still queued, within
// ShutdownTimeout, and stops the exporter.
func Setup(ctx context.Context, cfg Config) (shutdown func(context.Context) error, err error) {
	if !cfg.Enabled() {
		return func(context.Context) error { return nil }, nil
	}
	processor := cfg.Processor
	if processor == nil {
		exp, err := exporter(ctx, cfg.Endpoint)
		if err != nil {
			return nil, err
		}
		processor = sdktrace.NewBatchSpanProcessor(exp)
	}
	id := cfg.InstanceID
	if id == "" {
		id = rand.Text()
	}
	res, err := resource.Merge(resource.Default(), resource.NewWithAttributes(semconv.SchemaURL,
		semconv.ServiceName(ServiceName),
		semconv.ServiceInstanceID(id),
	))
	if err != nil {
		// Only a schema URL conflict between the SDK's defaults and ours.
		return nil, fmt.Errorf("telemetry: resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(processor), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, ShutdownTimeout)
		defer cancel()
		if err := tp.Shutdown(ctx); err != nil {
			return fmt.Errorf("telemetry: flushing spans: %w", err)
		}
		return nil
	}, nil
}

// exporter sends spans to endpoint over OTLP/HTTP (protobuf). It does not
// connect until the first batch.
func exporter(ctx context.Context, endpoint string) (sdktrace.SpanExporter, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("telemetry: OTLP endpoint %q is not an http(s)://host[:port] URL", endpoint)
	}
	if strings.Trim(u.Path, "/") == "" {
		u.Path = "/v1/traces"
	}
	exp, err := otlptracehttp.New(ctx,
		otlptracehttp.WithEndpointURL(u.String()),
		otlptracehttp.WithTimeout(exportTimeout),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{
			Enabled: true, InitialInterval: time.Second, MaxInterval: 5 * time.Second, MaxElapsedTime: exportRetries,
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("telemetry: OTLP exporter: %w", err)
	}
	return exp, nil
}
