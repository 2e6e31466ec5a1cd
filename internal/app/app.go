// Package app assembles a Storefront process from its configuration: the
// database, Redis, the domain services and the HTTP handler. The command
// and the end-to-end tests build processes the same way through it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/storefront/storefront/graph"
	"github.com/storefront/storefront/internal/address"
	"github.com/storefront/storefront/internal/alipaysandbox"
	"github.com/storefront/storefront/internal/apikey"
	"github.com/storefront/storefront/internal/auth"
	"github.com/storefront/storefront/internal/captcha"
	"github.com/storefront/storefront/internal/cart"
	"github.com/storefront/storefront/internal/catalog"
	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/emailverify"
	"github.com/storefront/storefront/internal/gallery"
	"github.com/storefront/storefront/internal/hotskus"
	"github.com/storefront/storefront/internal/jobs"
	"github.com/storefront/storefront/internal/menu"
	"github.com/storefront/storefront/internal/metrics"
	"github.com/storefront/storefront/internal/order"
	"github.com/storefront/storefront/internal/outbox"
	"github.com/storefront/storefront/internal/partner"
	"github.com/storefront/storefront/internal/payment"
	"github.com/storefront/storefront/internal/playground"
	"github.com/storefront/storefront/internal/pricing"
	"github.com/storefront/storefront/internal/qqconnect"
	"github.com/storefront/storefront/internal/qqlogin"
	"github.com/storefront/storefront/internal/ratelimit"
	"github.com/storefront/storefront/internal/search"
	"github.com/storefront/storefront/internal/seed"
	"github.com/storefront/storefront/internal/server"
	"github.com/storefront/storefront/internal/signin"
	"github.com/storefront/storefront/internal/skusearch"
	"github.com/storefront/storefront/internal/verify"
)

// App is one running Storefront.
type App struct {
	DB          *database.DB
	Redis       redis.UniversalClient
	Catalog     *catalog.Service
	Auth        *auth.Service
	AddressBook *address.Service
	Carts       *cart.Store
	Captchas    *captcha.Store
	Orders      *order.Service
	Payments    *payment.Service
	// Sandbox is the in-process Alipay sandbox (nil with a real Alipay).
	Sandbox *alipaysandbox.Sandbox
	// Jobs is the background job queue; RunBackground runs its worker.
	Jobs   *jobs.Queue
	Verify *verify.Service
	// HotSKUs caches the categories' best sellers.
	HotSKUs *hotskus.Service
	// Search is the SKU search index, in memory, rebuilt at start;
	// SearchFleet carries changes to the other instances' indexes.
	Search      *skusearch.Service
	SearchFleet *skusearch.Fleet
	// Emails is nil without a mail server or the outbox.
	Emails *emailverify.Service
	// QQ is nil without QQ Connect or its sandbox.
	QQ *qqlogin.Service
	// Outbox and QQSandbox are the offline stand-ins (nil when not run).
	Outbox    *outbox.Outbox
	QQSandbox *qqconnect.Sandbox
	Handler   http.Handler
	// Metrics and MetricsHandler (/metrics) are this instance's.
	Metrics        *metrics.Metrics
	MetricsHandler http.Handler

	miniRedis *miniredis.Miniredis
	log       *slog.Logger
	// draining is set when the process starts to stop (see Drain).
	draining atomic.Bool
	// stopTelemetry flushes the spans (nil before openTelemetry).
	stopTelemetry func(context.Context) error
}

// Drain turns /readyz to 503: the instance is stopping, and a load
// balancer should send it nothing new.
func (a *App) Drain() { a.draining.Store(true) }

// ErrPendingMigrations stops a server from writing to a schema it does not
// know.
var ErrPendingMigrations = errors.New("the database has pending migrations: run `storefront migrate`, or start with -migrate")

// New opens everything cfg names and returns a ready App. The caller must
// Close it.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	if err := checkPayments(cfg); err != nil {
		return nil, err
	}
	if err := checkGateways(cfg); err != nil {
		return nil, err
	}
	db, err := database.Open(ctx, DatabaseConfig(cfg))
	if err != nil {
		return nil, err
	}
	return Assemble(ctx, cfg, log, db, Options{})
}

// DatabaseConfig is the database cfg names, with its pool settings. The
// dial, read and write timeouts are database's defaults unless the DSN
// sets its own.
func DatabaseConfig(cfg config.Config) database.Config {
	return database.Config{
		MySQLDSN:        cfg.MySQLDSN,
		SQLitePath:      cfg.SQLitePath(),
		MaxOpenConns:    cfg.DBMaxOpen,
		MaxIdleConns:    cfg.DBMaxIdle,
		ConnMaxLifetime: cfg.DBConnLifetime,
		ConnMaxIdleTime: cfg.DBConnIdleTime,
		Tracing:         cfg.OTLPEndpoint != "",
	}
}

// Options are what tests hand in besides the configuration.
type Options struct {
	// Orders are options of the order service (fault injection).
	Orders []order.Option
	// SpanProcessor records the spans, as with -otlp-endpoint (the
	// database must be opened with Tracing too).
	SpanProcessor sdktrace.SpanProcessor
}

// Assemble builds an App over an open database, which it takes over (Close
// closes it). Tests use it to hand in a database they instrumented.
func Assemble(ctx context.Context, cfg config.Config, log *slog.Logger, db *database.DB, opts Options) (_ *App, err error) {
	a := &App{log: log, DB: db}
	defer func() {
		if err != nil {
			_ = a.Close()
		}
	}()
	if err := checkPayments(cfg); err != nil {
		return nil, err
	}
	if err := checkGateways(cfg); err != nil {
		return nil, err
	}
	if err := a.checkSchema(ctx, cfg); err != nil {
		return nil, err
	}
	if cfg.Seed {
		loaded, err := seed.Catalog(ctx, a.DB)
		if err != nil {
			return nil, err
		}
		if loaded {
			log.InfoContext(ctx, "loaded the demo catalog")
		}
	}
	if err := a.openRedis(cfg); err != nil {
		return nil, err
	}

	a.Catalog = catalog.New(a.DB.Client)
	a.HotSKUs = hotskus.New(a.DB.Client, a.Redis, cfg.RedisPrefix, hotskus.Config{}, log)
	if err := a.openSearch(ctx, cfg.RedisPrefix); err != nil {
		return nil, err
	}
	root, err := a.openAccounts(cfg)
	if err != nil {
		return nil, err
	}
	a.AddressBook = address.New(a.DB)
	a.Carts = cart.New(a.Redis, cfg.RedisPrefix, cartCatalog{a.Catalog, cfg.PurchaseLimit},
		cart.WithGuestLimit(ratelimit.New(a.Redis, cfg.RedisPrefix), cart.GuestCartRule))
	a.Captchas = captcha.New(a.Redis, cfg.RedisPrefix, ratelimit.New(a.Redis, cfg.RedisPrefix), captcha.DrawRule)
	verifyRoutes, err := a.openVerification(cfg, root)
	if err != nil {
		return nil, err
	}
	freight := pricing.FreightRule{Flat: cfg.Freight, FreeFrom: cfg.FreeFreightFrom}
	a.Orders = order.New(a.DB, a.Carts, a.AddressBook, order.Config{
		Freight: freight, PayWithin: cfg.PayWithin,
		PurchaseLimit: cfg.PurchaseLimit, LimitWindow: cfg.PurchaseLimitWindow, MaxUnpaid: cfg.MaxUnpaidOrders,
	}, log, opts.Orders...)
	routes, err := a.openPayments(cfg, log)
	if err != nil {
		return nil, err
	}
	maps.Copy(routes, verifyRoutes)
	a.Metrics = metrics.New(metrics.Sources{
		DB: a.DB.SQL, Retries: a.DB.Retry.Stats, Redis: a.Redis,
		Orders: a.Orders.BatchStats, Payments: a.Payments.Stats, Jobs: a.Jobs.Stats, Log: log,
	})
	a.MetricsHandler = a.Metrics.Handler()
	gql := graph.NewHandler(&graph.Resolver{
		Client:      a.DB.Client,
		Catalog:     a.Catalog,
		Auth:        a.Auth,
		AddressBook: a.AddressBook,
		Carts:       a.Carts,
		OrderBook:   a.Orders,
		Payments:    a.Payments,
		APIKeys:     apikey.New(a.DB.Client),
		Partner:     partner.New(a.DB, a.Orders, a.HotSKUs.Changed, a.SearchFleet.Changed),
		HotSKUs:     a.HotSKUs,
		Search:      a.Search,
		Gallery:     gallery.New(a.DB, a.HotSKUs.Changed),
		Menus:       menu.New(a.DB.Client, a.Redis, cfg.RedisPrefix, log, a.HotSKUs.CategoryChanged, a.SearchFleet.CategoryChanged),
		SignIn:      signin.New(a.Auth, a.Carts, log),
		Captchas:    a.Captchas,
		Verify:      a.Verify,
		Emails:      a.Emails,
		QQ:          a.QQ,
		Log:         log,
	}, graph.Options{
		Limits: graph.Limits{
			MaxDepth:      cfg.MaxDepth,
			MaxComplexity: cfg.MaxComplexity,
			MaxTokens:     graph.DefaultLimits.MaxTokens,
		},
		Introspection:  cfg.Introspection,
		RequestTimeout: cfg.RequestTimeout,
		Log:            log,
		Extensions:     []graphql.HandlerExtension{a.Metrics.GraphQL()},
	})
	a.Handler = server.New(server.Deps{
		GraphQL:      gql,
		Playground:   playground.Handler("Storefront", "/graphql"),
		Ready:        a.readiness(),
		MaxBodyBytes: cfg.MaxBodyBytes,
		Log:          log,
		TrustProxy:   cfg.TrustProxy,
		CORSOrigins:  cfg.CORSOrigins,
		Routes:       routes,
		Draining:     a.draining.Load,
	})
	if err := a.openTelemetry(ctx, cfg, opts); err != nil {
		return nil, err
	}
	return a, nil
}

// openSearch builds the SKU search index from the database, before the
// shop serves: a catalog of thousands indexes in about a second.
func (a *App) openSearch(ctx context.Context, prefix string) error {
	idx, err := search.OpenBleve("")
	if err != nil {
		return err
	}
	a.Search = skusearch.New(a.DB.Client, idx, a.log)
	a.SearchFleet = skusearch.NewFleet(a.Search, a.Redis, prefix)
	a.Search.RunReindex(ctx)
	return nil
}

// openAccounts starts the account service and returns the root secret
// (the JWT key) the verification keys derive from.
func (a *App) openAccounts(cfg config.Config) ([]byte, error) {
	key, generated, err := signingKey(cfg.JWTSecret, cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("jwt signing key: %w", err)
	}
	if generated && !cfg.Embedded() {
		a.log.Warn("no STOREFRONT_JWT_SECRET: using a key kept in the data dir; every instance behind one load balancer needs the same key")
	}
	signer, err := auth.NewSigner(key, cfg.AccessTTL, nil)
	if err != nil {
		return nil, err
	}
	throttle := auth.NewThrottle(a.Redis, cfg.RedisPrefix, auth.AccountRule, auth.AddressRule, nil)
	argon := auth.DefaultArgon2
	argon.Memory = uint32(cfg.Argon2MemoryKiB)
	availability, register := auth.AvailabilityRule, auth.RegisterRule
	availability.Rate, availability.Burst = cfg.AvailabilityPerHour, cfg.AvailabilityPerHour
	register.Rate, register.Burst = cfg.RegisterPerHour, cfg.RegisterPerHour
	a.Auth, err = auth.New(a.DB, signer, throttle, a.Redis, cfg.RedisPrefix, auth.Config{
		AccessTTL:       cfg.AccessTTL,
		RefreshTTL:      cfg.RefreshTTL,
		Argon2:          argon,
		HashMemoryKiB:   int64(cfg.Argon2MaxMemoryMiB) << 10,
		UniqueViolation: database.IsUniqueViolation,
		Limiter:         ratelimit.New(a.Redis, cfg.RedisPrefix),
		Availability:    availability,
		Register:        register,
		SessionCacheTTL: cfg.SessionCacheTTL,
		Log:             a.log,
	})
	return key, err
}

func (a *App) checkSchema(ctx context.Context, cfg config.Config) error {
	pending, err := database.Pending(ctx, a.DB)
	if err != nil {
		return err
	}
	if pending && !cfg.Migrate {
		return ErrPendingMigrations
	}
	if pending {
		a.log.InfoContext(ctx, "applying pending migrations")
		if err := database.Migrate(ctx, a.DB); err != nil {
			return err
		}
	}
	// The embedded database migrates itself at every start, so its data
	// follows at every start too (a small table); on MySQL after a
	// migration run.
	if pending || cfg.Embedded() {
		return MigrateData(ctx, a.DB, a.log)
	}
	return nil
}

// MigrateData brings rows stored before a schema change up to it:
// addresses get the area codes their names match.
func MigrateData(ctx context.Context, db *database.DB, log *slog.Logger) error {
	filled, unmatched, err := address.FillCodes(ctx, db.Client)
	if err != nil {
		return err
	}
	if filled+unmatched > 0 {
		log.InfoContext(ctx, "addresses given area codes", "filled", filled, "unmatched_kept_without_codes", unmatched)
	}
	return nil
}

// Redis client timeouts. A Redis that does not answer a command within
// redisIOTimeout is as good as down; a GraphQL operation's own deadline
// ends its commands sooner when it comes first (ContextTimeoutEnabled).
const (
	redisDialTimeout = 3 * time.Second
	redisIOTimeout   = 3 * time.Second
	// redisPoolTimeout is how long a command waits for a free connection.
	redisPoolTimeout = redisIOTimeout + time.Second
)

// openRedis connects to the configured Redis, or starts one in process so
// the embedded mode needs nothing installed.
func (a *App) openRedis(cfg config.Config) error {
	if cfg.RedisAddr == "" {
		m, err := miniredis.Run()
		if err != nil {
			return fmt.Errorf("starting the in-process redis: %w", err)
		}
		// Expire keys by the wall clock, as a real Redis does: captchas,
		// SMS codes and the job queue's done-marks rely on their TTLs.
		m.ClockTTL(true)
		a.miniRedis = m
		cfg.RedisAddr = m.Addr()
	}
	var err error
	a.Redis, err = NewRedis(cfg)
	return err
}

// NewRedis returns a client of cfg's Redis (cfg.RedisOptions): a single
// Redis or a Redis Cluster, with the timeouts of this package.
func NewRedis(cfg config.Config) (redis.UniversalClient, error) {
	o, err := cfg.RedisOptions()
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, errors.New("no Redis configured (-redis-addr)")
	}
	o.DialTimeout = redisDialTimeout
	o.ReadTimeout = redisIOTimeout
	o.WriteTimeout = redisIOTimeout
	o.PoolTimeout = redisPoolTimeout
	// Without it go-redis bounds a command by ReadTimeout alone (times
	// its retries) and ignores the caller's deadline.
	o.ContextTimeoutEnabled = true
	return redis.NewUniversalClient(o), nil
}

// RunBackground runs the background work until ctx ends: the job worker
// (SMS, mail), the expiry sweeper, and the cleaner of carts that orders
// placed while Redis did not answer still owe their lines. Every instance
// may run it: jobs run once whoever takes them, and the updates of the
// other two are conditional.
func (a *App) RunBackground(ctx context.Context, cfg config.Config) {
	var wg sync.WaitGroup
	wg.Go(func() { a.SearchFleet.Follow(ctx) })
	wg.Go(func() {
		if err := a.Jobs.Run(ctx); err != nil {
			a.log.ErrorContext(ctx, "the job worker stopped", "err", err)
		}
	})
	if cfg.SweepInterval > 0 {
		wg.Go(func() { a.Orders.RunCartCleaner(ctx, cfg.SweepInterval) })
		wg.Go(func() { a.Payments.RunSweeper(ctx, cfg.SweepInterval) })
		wg.Go(func() { a.HotSKUs.Watch(ctx, cfg.SweepInterval) })
		wg.Go(func() { a.Search.WatchSales(ctx, cfg.SweepInterval) })
	}
	wg.Wait()
}

// readiness names what /readyz checks.
func (a *App) readiness() map[string]func(context.Context) error {
	return map[string]func(context.Context) error{
		"database": a.DB.Ping,
		"redis":    func(ctx context.Context) error { return a.Redis.Ping(ctx).Err() },
	}
}

// Close releases everything New opened.
func (a *App) Close() error {
	errs := []error{a.closeTelemetry()}
	if a.Jobs != nil {
		errs = append(errs, a.Jobs.Close())
	}
	if a.Search != nil {
		errs = append(errs, a.Search.Index().Close())
	}
	if a.Redis != nil {
		errs = append(errs, a.Redis.Close())
	}
	if a.Sandbox != nil {
		a.Sandbox.Close()
	}
	if a.miniRedis != nil {
		a.miniRedis.Close()
	}
	if a.DB != nil {
		errs = append(errs, a.DB.Close())
	}
	return errors.Join(errs...)
}
