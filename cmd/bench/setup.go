package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/category"
	"github.com/storefront/storefront/ent/sku"
	"github.com/storefront/storefront/internal/app"
	"github.com/storefront/storefront/internal/config"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/gid"
	"github.com/storefront/storefront/internal/money"
	"github.com/storefront/storefront/internal/payment"
	"github.com/storefront/storefront/internal/pricing"
	"github.com/storefront/storefront/internal/seed"
)

// The bench catalog: one hot SKU everybody wants, and a spread set so large
// that two buyers rarely touch the same row.
const (
	spreadSKUs   = 1000
	skuPrice     = money.Fen(990) // 9.90
	initialStock = 10_000_000     // never runs out within a run
)

// benchSKU is one SKU of the bench catalog.
type benchSKU struct {
	ID   int    // database id
	GID  string // GraphQL id
	Name string
}

// env is everything a run creates; close removes it again.
type env struct {
	opts   options
	runID  string
	dbName string
	dsn    string // the bench database's DSN
	prefix string // Redis key prefix
	cfg    config.Config

	app    *app.App
	client *client
	rdb    *redis.Client // the bench's own Redis client (cleanup, counters)
	// server is a one-connection pool on the database server (CREATE,
	// DROP, status counters), apart from the pools under load.
	server *sql.DB

	hot    benchSKU
	spread []benchSKU
	// demoSKUs counts the demo catalog's SKUs (seed.Catalog), which only
	// the discovery rows read; leaves are its leaf categories' GraphQL ids.
	demoSKUs int
	leaves   []string
	// initial is every SKU's stock and sales right after seeding, by
	// database id (the demo catalog's SKUs start with sales).
	initial map[int]skuStart
	freight pricing.FreightRule // the server's, to price the raw SQL orders

	buyers []*buyer
	raw    *rawDB // opened by the first raw SQL cell

	// cleanups run in reverse order in close.
	cleanups []cleanup
}

type cleanup struct {
	what string
	fn   func(ctx context.Context) error
	// keepable cleanups are skipped under -keep (the data, not the processes).
	keepable bool
}

func (e *env) onClose(what string, keepable bool, fn func(ctx context.Context) error) {
	e.cleanups = append(e.cleanups, cleanup{what, fn, keepable})
}

// close undoes setup. It gets its own context: it also runs after Ctrl-C
// cancelled the run's.
func (e *env) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		c := e.cleanups[i]
		if c.keepable && e.opts.keep {
			continue
		}
		if err := c.fn(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "bench: %s: %v\n", c.what, err)
		}
	}
	if e.opts.keep && e.dbName != "" {
		fmt.Fprintf(os.Stderr, "bench: kept database %s and Redis keys %s*\n", e.dbName, e.prefix)
	}
}

// setup creates the database, seeds the catalog and starts the server. On
// error, what was created so far is in e's cleanups: call close either way.
func setup(ctx context.Context, e *env) error {
	e.runID = randomHex(4)
	e.dbName = "storefront_bench_" + e.runID
	e.prefix = "bench:" + e.runID + ":"
	if err := e.createDatabase(ctx); err != nil {
		return err
	}
	db, err := database.Open(ctx, database.Config{MySQLDSN: e.dsn})
	if err != nil {
		return err
	}
	if err := database.Migrate(ctx, db); err != nil {
		_ = db.Close()
		return err
	}
	// The demo catalog first: seed.Catalog loads nothing into a database
	// that already has a category, and the bench's is one.
	if _, err := seed.Catalog(ctx, db); err != nil {
		_ = db.Close()
		return err
	}
	if err := e.seed(ctx, db.Client); err != nil {
		_ = db.Close()
		return err
	}
	if err := e.startServer(ctx, db); err != nil {
		return err
	}
	return e.registerBuyers(ctx, e.opts.buyers)
}

// createDatabase creates storefront_bench_<random> on the configured server
// and registers its DROP.
func (e *env) createDatabase(ctx context.Context) error {
	mc, err := mysql.ParseDSN(e.opts.mysqlDSN)
	if err != nil {
		return fmt.Errorf("STOREFRONT_BENCH_MYSQL %q: %w", e.opts.mysqlDSN, err)
	}
	mc.DBName = ""
	connector, err := mysql.NewConnector(mc)
	if err != nil {
		return err
	}
	server := sql.OpenDB(connector)
	server.SetMaxOpenConns(1)
	if err := server.PingContext(ctx); err != nil {
		_ = server.Close()
		return fmt.Errorf("MariaDB/MySQL at %s is unreachable (make services starts it): %w", mc.Addr, err)
	}
	e.onClose("closing the server connection", false, func(context.Context) error { return server.Close() })
	e.server = server
	// The server's pool and the raw SQL pool are open at once; past
	// max_connections the raw cells would measure error 1040.
	var limit int
	if err := server.QueryRowContext(ctx, "SELECT @@max_connections").Scan(&limit); err != nil {
		return fmt.Errorf("reading max_connections: %w", err)
	}
	if need := database.DefaultMaxOpenConns + e.opts.buyers + 8; limit < need {
		return fmt.Errorf("MariaDB allows %d connections and the bench needs %d: run `make services` (it raises the limit) or SET GLOBAL max_connections = %d", limit, need, need)
	}
	if _, err := server.ExecContext(ctx, "CREATE DATABASE `"+e.dbName+"`"); err != nil {
		return fmt.Errorf("creating database %s: %w", e.dbName, err)
	}
	e.onClose("dropping database "+e.dbName, true, func(ctx context.Context) error {
		_, err := server.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+e.dbName+"`")
		return err
	})
	db := mc.Clone()
	db.DBName = e.dbName
	// database.Open forces both as well; they are spelled out here because
	// the raw SQL pool is opened from this DSN too.
	db.InterpolateParams = true
	db.ParseTime = true
	e.dsn = db.FormatDSN()
	return nil
}

// skuStart is a SKU's stock and sales after seeding.
type skuStart struct{ stock, sales int }

// seed writes the bench catalog straight through Ent: the API has no
// catalog mutations, and seeding is not what is measured.
func (e *env) seed(ctx context.Context, client *ent.Client) error {
	cat, err := client.Category.Create().SetName("Bench").Save(ctx)
	if err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	goods, err := client.Goods.Create().SetName("Bench goods").SetCategoryID(cat.ID).Save(ctx)
	if err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	builders := make([]*ent.SKUCreate, 1+spreadSKUs)
	for i := range builders {
		name := fmt.Sprintf("Bench SKU %04d", i)
		if i == 0 {
			name = "Bench SKU hot"
		}
		builders[i] = client.SKU.Create().SetName(name).SetPrice(skuPrice).SetStock(initialStock).
			SetLaunched(true).SetCategoryID(cat.ID).SetGoodsID(goods.ID)
	}
	skus, err := client.SKU.CreateBulk(builders...).Save(ctx)
	if err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	for i, k := range skus {
		s := benchSKU{ID: k.ID, GID: gid.Encode(k.ID), Name: k.Name}
		if i == 0 {
			e.hot = s
		} else {
			e.spread = append(e.spread, s)
		}
	}
	// Read back rather than taken from the builders: the invariants must
	// cover every SKU in the database, the demo catalog's too.
	all, err := client.SKU.Query().Select(sku.FieldStock, sku.FieldSales).All(ctx)
	if err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	e.initial = make(map[int]skuStart, len(all))
	for _, k := range all {
		e.initial[k.ID] = skuStart{stock: k.Stock, sales: k.Sales}
	}
	e.demoSKUs = len(all) - len(skus)
	leaves, err := client.Category.Query().Where(category.HasParent(), category.Not(category.HasChildren())).
		Order(ent.Asc(category.FieldID)).IDs(ctx)
	if err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	if len(leaves) == 0 || e.demoSKUs == 0 {
		return errors.New("seeding: the demo catalog did not load")
	}
	for _, id := range leaves {
		e.leaves = append(e.leaves, gid.Encode(id))
	}
	return nil
}

// startServer assembles the real application over db and serves it on a
// random local port.
func (e *env) startServer(ctx context.Context, db *database.DB) error {
	cfg, err := config.Load(nil, func(string) string { return "" })
	if err != nil {
		_ = db.Close()
		return err
	}
	// Listen first: the sandbox's notify and return URLs, and the pay URL
	// payOrder hands out, are built on the public URL, which must name
	// this server's port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = db.Close()
		return err
	}
	e.onClose("closing the listener", false, func(context.Context) error {
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	})
	cfg.PublicURL = "http://" + ln.Addr().String()
	cfg.FrontendURL = cfg.PublicURL + payment.ResultPath
	cfg.MySQLDSN = e.dsn
	cfg.RedisAddr = e.opts.redisAddr
	cfg.RedisPrefix = e.prefix
	cfg.Seed = false
	cfg.JWTSecret = "bench-secret-" + e.runID + strings.Repeat("x", 32)
	// Tokens outlive any run, and cheap password hashes keep registering
	// 128 buyers to a second: logins are not what is measured.
	cfg.AccessTTL = 24 * time.Hour
	cfg.RefreshTTL = 48 * time.Hour
	cfg.Argon2MemoryKiB = 1024
	cfg.RegisterPerHour = 1_000_000 // every buyer registers from this one address
	cfg.Introspection = true
	cfg.AlipaySandbox = true // the checkout row pays through it
	// Buyers register without SMS codes: sign-up is not what is measured.
	cfg.RequireSMS, cfg.DevOutbox, cfg.QQSandbox = false, false, false
	cfg.MaxBodyBytes = 1 << 20
	// Each bench buyer places thousands of orders of one SKU a run: the
	// shop's per-shopper purchase limit (-purchase-limit) would refuse all
	// but the first few, and counting a buyer's orders of the day would
	// grow with the run. The bench measures placing orders, so it turns
	// the default limit off; its SKUs have none of their own. (Its orders
	// are CASH, which -max-unpaid-orders does not count.)
	cfg.PurchaseLimit = 0
	dataDir, err := os.MkdirTemp("", "storefront-bench-")
	if err != nil {
		_ = db.Close()
		return err
	}
	e.onClose("removing the data dir", false, func(context.Context) error { return os.RemoveAll(dataDir) })
	cfg.DataDir = dataDir
	e.cfg = cfg
	e.freight = pricing.FreightRule{Flat: cfg.Freight, FreeFrom: cfg.FreeFreightFrom}

	// Redis keys go whatever happens to the server, so register their
	// removal first (it runs last).
	rdb := redis.NewClient(&redis.Options{Addr: cfg.RedisAddr})
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		_ = db.Close()
		return fmt.Errorf("cannot reach Redis at %s (make services starts it): %w", cfg.RedisAddr, err)
	}
	e.onClose("closing the bench's Redis client", false, func(context.Context) error { return rdb.Close() })
	e.rdb = rdb
	e.onClose("deleting Redis keys "+e.prefix+"*", true, func(ctx context.Context) error {
		return deletePrefix(ctx, rdb, e.prefix)
	})

	// Warnings and errors only: a failing cell should say why on stderr,
	// but the happy path logs nothing per request.
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.Assemble(ctx, cfg, log, db, app.Options{})
	if err != nil {
		return err // Assemble closed db
	}
	e.onClose("closing the app", false, func(context.Context) error { return a.Close() })
	e.app = a

	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	e.onClose("stopping the HTTP server", false, func(ctx context.Context) error {
		if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	e.client = newClient("http://" + ln.Addr().String() + "/graphql")
	return nil
}

// deletePrefix removes every key under prefix with SCAN + UNLINK (never
// KEYS: it would block a shared Redis).
func deletePrefix(ctx context.Context, rdb *redis.Client, prefix string) error {
	var cursor uint64
	for {
		keys, next, err := rdb.Scan(ctx, cursor, prefix+"*", 1000).Result()
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
