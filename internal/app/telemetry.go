package app

import (
	"context"

	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/telemetry"
)

// openTelemetry installs tracing when cfg names an OTLP endpoint (or a
// test hands in a span processor): a trace for each request a.Handler
// serves, with spans for its GraphQL operation, its root resolvers (graph
// installs them), its SQL statements (DatabaseConfig) and its Redis
// commands. Without either, it installs nothing.
func (a *App) openTelemetry(ctx context.Context, cfg config.Config, opts Options) error {
	tc := telemetry.Config{Endpoint: cfg.OTLPEndpoint, Processor: opts.SpanProcessor}
	shutdown, err := telemetry.Setup(ctx, tc)
	if err != nil {
		return err
	}
	a.stopTelemetry = shutdown
	if !tc.Enabled() {
		return nil
	}
	if err := telemetry.InstrumentRedis(a.Redis); err != nil {
		return err
	}
	a.Handler = telemetry.Handler(a.Handler)
	return nil
}

// closeTelemetry sends the spans still queued, within
// telemetry.ShutdownTimeout.
func (a *App) closeTelemetry() error {
	if a.stopTelemetry == nil {
		return nil
	}
	return a.stopTelemetry(context.Background())
}
