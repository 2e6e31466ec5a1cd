package telemetry

import (
	"context"
	"sync/atomic"

	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
	"go.opentelemetry.io/otel/trace/noop"
)

// Inherited is a tracer provider for the layers under the HTTP request
// (SQL, Redis, GraphQL): a span it starts is a child of the span in the
// caller's context, made by that span's own provider, and it starts none
// (returning the caller's context as it was) where the caller's span does
// not record. So they need no provider of their own, make no root spans
// from background work, and cost a context look-up when tracing is off.
func Inherited() trace.TracerProvider { return inheritedProvider{} }

type inheritedProvider struct{ embedded.TracerProvider }

func (inheritedProvider) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	return &inheritedTracer{name: name, opts: opts}
}

type inheritedTracer struct {
	embedded.Tracer
	name string
	opts []trace.TracerOption
	// last is the tracer of the provider seen last: a process has one,
	// and the SDK's Tracer takes a lock that every statement would
	// contend for.
	last atomic.Pointer[providerTracer]
}

type providerTracer struct {
	provider trace.TracerProvider
	tracer   trace.Tracer
}

func (t *inheritedTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	parent := trace.SpanFromContext(ctx)
	if !parent.IsRecording() {
		return ctx, noop.Span{}
	}
	tp := parent.TracerProvider()
	last := t.last.Load()
	if last == nil || last.provider != tp {
		last = &providerTracer{provider: tp, tracer: tp.Tracer(t.name, t.opts...)}
		t.last.Store(last)
	}
	return last.tracer.Start(ctx, name, opts...)
}

// Recording reports whether ctx carries a span that records: the layers
// under the HTTP request skip the work of naming their spans without one.
func Recording(ctx context.Context) bool {
	return trace.SpanFromContext(ctx).IsRecording()
}
