package telemetry

import (
	"context"
	"database/sql/driver"
	"net/http"
	"strings"

	"github.com/XSAM/otelsql"
	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
)

// Handler starts a trace (or continues the caller's, by its traceparent
// header) for each request h serves, under the global provider Setup
// installed. The span is named by the route the request took
// ("POST /graphql"). Wrap the root handler with it only when tracing is
// on: it costs every request a span and wrappers even under the no-op
// provider.
func Handler(h http.Handler) http.Handler {
	return otelhttp.NewHandler(h, ServiceName,
		otelhttp.WithTracerProvider(otel.GetTracerProvider()),
		otelhttp.WithPropagators(otel.GetTextMapPropagator()),
		// Traces only: no metric pipeline is set up.
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
	)
}

// InstrumentRedis spans each command and pipeline rdb runs under a traced
// request, named by the command ("get", "evalsha"). The spans carry no
// command text: its keys and values hold session ids, cart tokens and
// codes.
func InstrumentRedis(rdb redis.UniversalClient) error {
	return redisotel.InstrumentTracing(rdb,
		redisotel.WithTracerProvider(Inherited()),
		redisotel.WithDBStatement(false),
		redisotel.WithCallerEnabled(false),
		redisotel.WithCommandFilter(redisotel.DefaultCommandFilter),
	)
}

// SQLOptions are otelsql's options for the database: a span for each
// statement, transaction begin, commit and rollback, and connect, under a
// traced request only, named "sql SELECT", "sql.tx.commit"... with the
// statement's text (placeholders, never the arguments). No span for
// reading rows (one per query more) or for resetting a pooled session.
func SQLOptions(system string) []otelsql.Option {
	return []otelsql.Option{
		otelsql.WithTracerProvider(Inherited()),
		otelsql.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelsql.WithAttributes(attribute.String("db.system.name", system)),
		otelsql.WithSpanNameFormatter(sqlSpanName),
		otelsql.WithSpanOptions(otelsql.SpanOptions{
			OmitRows:             true,
			OmitConnResetSession: true,
			// database/sql's ErrSkip asks it to fall back to
			// prepare+exec: no failure of the application's.
			DisableErrSkip: true,
			SpanFilter: func(ctx context.Context, _ otelsql.Method, _ string, _ []driver.NamedValue) bool {
				return Recording(ctx)
			},
		}),
	}
}

func sqlSpanName(_ context.Context, method otelsql.Method, query string) string {
	verb, _, _ := strings.Cut(strings.TrimSpace(query), " ")
	if verb == "" {
		return string(method)
	}
	return "sql " + strings.ToUpper(verb)
}
