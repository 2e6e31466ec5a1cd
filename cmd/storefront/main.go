// Command storefront runs the Storefront GraphQL API.
//
//	storefront [serve] [flags]   serve HTTP (the default)
//	storefront migrate [flags]   apply pending MySQL/MariaDB migrations
//	storefront seed [flags]      load the demo catalog into an empty database
//	storefront apikey create|revoke|list   manage partner API keys
//
// With no configuration it serves on embedded SQLite and an in-process Redis.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/storefront/storefront/internal/app"
	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/lifecycle"
	"github.com/storefront/storefront/internal/logging"
	"github.com/storefront/storefront/internal/seed"
	"github.com/storefront/storefront/internal/skusearch"
	"github.com/storefront/storefront/internal/telemetry"
)

func main() {
	cmd, args := "serve", os.Args[1:]
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cmd, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // -h printed the usage (config.Usage and the flags)
		}
		fmt.Fprintln(os.Stderr, "storefront:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cmd string, args []string) error {
	if cmd == "apikey" {
		// Its own flags follow; the rest of the configuration is the
		// environment's.
		cfg, err := config.FromEnv(nil)
		if err != nil {
			return err
		}
		return apikeyCommand(ctx, cfg, args, os.Stdout)
	}
	cfg, err := config.FromEnv(args)
	if err != nil {
		return err
	}
	log, err := logging.New(os.Stderr, cfg.LogFormat, cfg.LogLevel, telemetry.LogHandler)
	if err != nil {
		return err
	}
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log)
	case "migrate":
		return migrate(ctx, cfg, log)
	case "seed":
		return seedCatalog(ctx, cfg, log)
	case "reindex":
		return reindex(ctx, cfg, log)
	}
	return fmt.Errorf("unknown command %q (want serve, migrate, seed, reindex or apikey)", cmd)
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	main := lifecycle.Server{Name: "http", Listener: ln, HTTP: &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}}
	var others []lifecycle.Server
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("metrics: %w", err)
		}
		others = append(others, lifecycle.Server{Name: "metrics", Listener: mln, HTTP: &http.Server{
			Handler:           a.MetricsHandler,
			ReadHeaderTimeout: 10 * time.Second,
			WriteTimeout:      30 * time.Second,
		}})
		log.Info("metrics serving", "url", "http://"+mln.Addr().String()+"/metrics")
	}
	mode := "MySQL"
	if cfg.Embedded() {
		mode = "embedded SQLite at " + cfg.SQLitePath()
	}
	log.Info("storefront serving", "url", "http://"+ln.Addr().String()+"/", "graphql", "http://"+ln.Addr().String()+"/graphql", "database", mode)
	// SIGTERM: /readyz at 503 for the drain delay, then in-flight requests
	// (orders!) finish, then the sweeper and the job worker stop, then
	// Close.
	return lifecycle.Run(ctx, lifecycle.Options{
		Main:            main,
		Others:          others,
		Background:      func(ctx context.Context) error { a.RunBackground(ctx, cfg); return nil },
		Draining:        a.Drain,
		DrainDelay:      cfg.DrainDelay,
		ShutdownTimeout: cfg.ShutdownTimeout,
		Log:             log,
	})
}

func migrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	if cfg.Embedded() {
		return errors.New("migrate needs STOREFRONT_MYSQL_DSN (the embedded SQLite database creates its schema itself)")
	}
	db, err := database.Open(ctx, database.Config{MySQLDSN: cfg.MySQLDSN})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := database.Migrate(ctx, db); err != nil {
		return err
	}
	if err := app.MigrateData(ctx, db, log); err != nil {
		return err
	}
	log.Info("migrations applied")
	return nil
}

// reindex asks every running instance to rebuild its search index from
// the database (each keeps its own, in memory).
func reindex(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	if cfg.RedisAddr == "" {
		return errors.New("reindex reaches running instances through Redis (STOREFRONT_REDIS_ADDR); the embedded server rebuilds its index at every start: restart it")
	}
	rdb, err := app.NewRedis(cfg)
	if err != nil {
		return err
	}
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := skusearch.NewFleet(nil, rdb, cfg.RedisPrefix).Reindex(ctx); err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	log.Info("every running instance was asked to rebuild its search index")
	return nil
}

func seedCatalog(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	db, err := database.Open(ctx, database.Config{MySQLDSN: cfg.MySQLDSN, SQLitePath: cfg.SQLitePath()})
	if err != nil {
		return err
	}
	defer db.Close()
	pending, err := database.Pending(ctx, db)
	if err != nil {
		return err
	}
	if pending {
		return app.ErrPendingMigrations
	}
	loaded, err := seed.Catalog(ctx, db)
	if err != nil {
		return err
	}
	if loaded {
		log.Info("demo catalog loaded")
	} else {
		log.Info("the database already has a catalog; nothing loaded")
	}
	return nil
}
