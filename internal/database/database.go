// Package database opens the storefront's database (MySQL/MariaDB in
// production, SQLite for the embedded default), applies the versioned
// migrations, and is the one place that knows SQL error numbers, the
// transaction entry point (DB.InTx) and the retry policy it applies.
//
// Ids: the Ent config uses the sql/globalid feature. Each type owns a 1<<32 id
// range (ent/internal/globalid.go, IncrementStarts) carried as an
// IncrementStart annotation on every table in ent/migrate/schema.go. On MySQL
// the versioned migrations (migrations/*.sql) create each table with that
// AUTO_INCREMENT start; on SQLite ent's auto-migration creates AUTOINCREMENT
// tables and seeds sqlite_sequence with the same start. No ent_types table and
// no migrate.WithGlobalUniqueID option are involved: that option is the older
// scheme and ent rejects it together with IncrementStart annotations.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/XSAM/otelsql"
	"github.com/go-sql-driver/mysql"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/telemetry"
)

// Config says which database to open. MySQLDSN wins when set; otherwise the
// SQLite file at SQLitePath is used (and created). Zero values mean the
// defaults below.
type Config struct {
	// MySQLDSN is a go-sql-driver DSN, e.g. "root@tcp(127.0.0.1:3306)/storefront".
	MySQLDSN string
	// SQLitePath is the SQLite database file, used when MySQLDSN is empty.
	SQLitePath string

	// MaxOpenConns bounds the pool. Every instance may hold this many
	// connections: instances × MaxOpenConns must stay below the server's
	// max_connections, with room left for admin sessions and migrations.
	MaxOpenConns int
	// MaxIdleConns is how many unused connections stay open (0: as many as
	// MaxOpenConns, so a busy instance does not redial between requests).
	MaxIdleConns int
	// ConnMaxLifetime recycles MySQL connections before a proxy or the
	// server's wait_timeout drops them underneath the pool.
	ConnMaxLifetime time.Duration
	// ConnMaxIdleTime closes connections unused this long, so a burst's
	// connections go back to the server, for the other instances.
	ConnMaxIdleTime time.Duration

	// DialTimeout, ReadTimeout and WriteTimeout bound connecting to MySQL
	// and each network read and write, so a frozen server fails statements
	// (retryably) instead of holding them for the whole freeze. They apply
	// where the DSN does not set its own timeout, readTimeout and
	// writeTimeout. Work with a deadline (every GraphQL operation) is ended
	// by its deadline first; these bound the work without one (the expiry
	// sweeper, Alipay's notifications, start-up).
	DialTimeout  time.Duration
	ReadTimeout  time.Duration
	WriteTimeout time.Duration

	// Tracing spans each statement, transaction and connect made under a
	// traced request (telemetry.SQLOptions). Off, the driver is the plain
	// one and costs nothing more.
	Tracing bool
}

// Defaults of Config.
const (
	DefaultMaxOpenConns    = 64
	DefaultConnMaxLifetime = 5 * time.Minute
	DefaultConnMaxIdleTime = time.Minute
	DefaultDialTimeout     = 5 * time.Second
	// The read timeout is above any statement the application runs that
	// is not waiting for a row lock; a lock wait past it ends as a lost
	// connection, which the retry policy retries like a deadlock.
	DefaultReadTimeout  = 30 * time.Second
	DefaultWriteTimeout = 30 * time.Second
)

func (c Config) withDefaults() Config {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.MaxOpenConns <= 0 {
		c.MaxOpenConns = DefaultMaxOpenConns
	}
	if c.MaxIdleConns <= 0 || c.MaxIdleConns > c.MaxOpenConns {
		c.MaxIdleConns = c.MaxOpenConns
	}
	def(&c.ConnMaxLifetime, DefaultConnMaxLifetime)
	def(&c.ConnMaxIdleTime, DefaultConnMaxIdleTime)
	def(&c.DialTimeout, DefaultDialTimeout)
	def(&c.ReadTimeout, DefaultReadTimeout)
	def(&c.WriteTimeout, DefaultWriteTimeout)
	return c
}

// privateFile makes the SQLite file (password, session and key hashes,
// phones, addresses) readable by its owner only, in a directory only the
// owner can enter, before SQLite writes a byte. SQLite gives its WAL and
// shared-memory files the main file's mode, so they follow. A directory or
// file an earlier version left world-readable is tightened.
func privateFile(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("database: creating the SQLite directory: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("database: restricting the SQLite directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("database: creating the SQLite file: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("database: restricting %s: %w", p, err)
		}
	}
	return nil
}

// sqlitePragmas are appended to every SQLite DSN: foreign keys on, wait for
// the write lock instead of failing with SQLITE_BUSY, WAL so readers do not
// block the writer, and BEGIN IMMEDIATE so a transaction takes the write lock
// up front (no lock upgrade deadlocks between two writers). _timezone=UTC
// makes the driver write every time in UTC and read every time back in
// UTC, as the MySQL connections do (mysqlConfig): SQLite compares times as
// the text the driver wrote, so one written at +08:00 (Alipay's payment
// times) would sort among the UTC ones by its digits, and read back at
// +08:00.
const sqlitePragmas = "_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_txlock=immediate&_timezone=UTC"

// DB is an open database: the Ent client, the underlying pool, the dialect
// (dialect.MySQL or dialect.SQLite) and the retry policy of its
// transactions.
type DB struct {
	Client  *ent.Client
	SQL     *sql.DB
	Dialect string
	// Retry is the policy InTx retries transactions under; one per
	// database, so its counters tell the whole story.
	Retry *RetryPolicy

	// migrationCfg is the parsed (and normalised) DSN on MySQL; Migrate
	// opens its own multi-statement connection from it. Nil on SQLite.
	migrationCfg *mysql.Config
}

// schemaMu serializes Ent schema operations in this process: they all work
// on the generated migrate.Tables, which ent mutates while setting them up
// (two SQLite databases opened at once would race on them).
var schemaMu sync.Mutex

// Open opens the database described by cfg. On MySQL it only connects (run
// Migrate to apply the schema); on SQLite it also creates or upgrades the
// schema with Ent's auto-migration.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	cfg = cfg.withDefaults()
	switch {
	case cfg.MySQLDSN != "":
		return openMySQL(ctx, cfg)
	case cfg.SQLitePath != "":
		return openSQLite(ctx, cfg)
	default:
		return nil, errors.New("database: neither a MySQL DSN nor a SQLite path is configured")
	}
}

// mysqlConfig parses dsn and forces the settings the application relies on.
func mysqlConfig(dsn string) (*mysql.Config, error) {
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("database: parsing MySQL DSN: %w", err)
	}
	if mc.DBName == "" {
		return nil, errors.New("database: the MySQL DSN names no database (user@tcp(host:port)/dbname)")
	}
	mc.ParseTime = true
	// Without it every statement with arguments is a prepare+execute+close
	// round trip; hot-row throughput halved in a measurement.
	mc.InterpolateParams = true
	mc.Loc = time.UTC
	// The application works in UTC: make NOW(), CURRENT_TIMESTAMP and any
	// TIMESTAMP column agree with Go's times, whatever the server default is.
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	if _, ok := mc.Params["time_zone"]; !ok {
		mc.Params["time_zone"] = "'+00:00'"
	}
	// Multi-statement queries are only for the migration connection.
	mc.MultiStatements = false
	return mc, nil
}

// mysqlConfigs returns the configurations of the application's connections
// and of the migrations' connection for dsn. The application's get cfg's
// timeouts where the DSN sets none; the migrations' get only the DSN's own
// read and write timeouts, since a DDL statement may rightly run for long.
func mysqlConfigs(dsn string, cfg Config) (app, migration *mysql.Config, err error) {
	app, err = mysqlConfig(dsn)
	if err != nil {
		return nil, nil, err
	}
	cfg = cfg.withDefaults()
	set := dsnParams(dsn)
	if !set["timeout"] {
		app.Timeout = cfg.DialTimeout
	}
	migration = app.Clone()
	if !set["readTimeout"] {
		app.ReadTimeout = cfg.ReadTimeout
	}
	if !set["writeTimeout"] {
		app.WriteTimeout = cfg.WriteTimeout
	}
	return app, migration, nil
}

// dsnParams names the parameters a go-sql-driver DSN sets. They follow the
// first "?" after the last "/" (a password may hold either character; the
// database name holds neither).
func dsnParams(dsn string) map[string]bool {
	set := map[string]bool{}
	_, params, ok := strings.Cut(dsn[strings.LastIndex(dsn, "/")+1:], "?")
	if !ok {
		return set
	}
	for p := range strings.SplitSeq(params, "&") {
		k, _, _ := strings.Cut(p, "=")
		set[k] = true
	}
	return set
}

func openMySQL(ctx context.Context, cfg Config) (*DB, error) {
	mc, migration, err := mysqlConfigs(cfg.MySQLDSN, cfg)
	if err != nil {
		return nil, err
	}
	name, err := isolationVariable(ctx, mc)
	if err != nil {
		return nil, err
	}
	// Every connection is READ COMMITTED from its first statement, so a
	// transaction needs no SET TRANSACTION of its own: one round trip less
	// per transaction (a tenth of an order's statements).
	mc.Params[name] = "'READ-COMMITTED'"
	connector, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	var sdb *sql.DB
	if cfg.Tracing {
		sdb = otelsql.OpenDB(connector, telemetry.SQLOptions("mariadb")...)
	} else {
		sdb = sql.OpenDB(connector)
	}
	sdb.SetMaxOpenConns(cfg.MaxOpenConns)
	sdb.SetMaxIdleConns(cfg.MaxIdleConns)
	sdb.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	sdb.SetConnMaxIdleTime(cfg.ConnMaxIdleTime)
	if err := sdb.PingContext(ctx); err != nil {
		_ = sdb.Close()
		return nil, fmt.Errorf("database: connecting to MySQL at %s (database %q): %w", mc.Addr, mc.DBName, err)
	}
	return &DB{
		Client:       ent.NewClient(ent.Driver(entsql.OpenDB(dialect.MySQL, sdb))),
		SQL:          sdb,
		Dialect:      dialect.MySQL,
		Retry:        NewRetryPolicy(),
		migrationCfg: migration,
	}, nil
}

// isolationVariable names the server's session variable for the
// isolation level: transaction_isolation on MySQL 8 and MariaDB 11.1+,
// tx_isolation on MariaDB before 11.1 (which has no other), asked of the
// server over one connection of mc.
func isolationVariable(ctx context.Context, mc *mysql.Config) (string, error) {
	connector, err := mysql.NewConnector(mc)
	if err != nil {
		return "", fmt.Errorf("database: %w", err)
	}
	probe := sql.OpenDB(connector)
	defer probe.Close()
	probe.SetMaxOpenConns(1)
	var level string
	for _, name := range []string{"transaction_isolation", "tx_isolation"} {
		err = probe.QueryRowContext(ctx, "SELECT @@SESSION."+name).Scan(&level)
		var me *mysql.MySQLError
		switch {
		case err == nil:
			return name, nil
		case errors.As(err, &me) && me.Number == 1193: // unknown system variable
			continue
		default:
			return "", fmt.Errorf("database: connecting to MySQL at %s (database %q): %w", mc.Addr, mc.DBName, err)
		}
	}
	return "", fmt.Errorf("database: MySQL at %s has neither transaction_isolation nor tx_isolation", mc.Addr)
}

func openSQLite(ctx context.Context, cfg Config) (*DB, error) {
	path, maxOpen := cfg.SQLitePath, cfg.MaxOpenConns
	if err := privateFile(path); err != nil {
		return nil, err
	}
	open := sql.Open
	if cfg.Tracing {
		open = func(driver, dsn string) (*sql.DB, error) {
			return otelsql.Open(driver, dsn, telemetry.SQLOptions("sqlite")...)
		}
	}
	sdb, err := open("sqlite", "file:"+path+"?"+sqlitePragmas)
	if err != nil {
		return nil, fmt.Errorf("database: opening SQLite %s: %w", path, err)
	}
	sdb.SetMaxOpenConns(maxOpen)
	sdb.SetMaxIdleConns(maxOpen)
	if err := sdb.PingContext(ctx); err != nil {
		_ = sdb.Close()
		return nil, fmt.Errorf("database: opening SQLite %s: %w", path, err)
	}
	client := ent.NewClient(ent.Driver(entsql.OpenDB(dialect.SQLite, sdb)))
	// Ent's auto-migration reads the IncrementStart annotations (sql/globalid)
	// and seeds sqlite_sequence, so ids fall in each type's range here too.
	// migrate.WithGlobalUniqueID must not be passed: it is the older ent_types
	// scheme and is mutually exclusive with the annotations.
	schemaMu.Lock()
	err = client.Schema.Create(ctx)
	schemaMu.Unlock()
	if err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("database: creating the SQLite schema: %w", err)
	}
	return &DB{Client: client, SQL: sdb, Dialect: dialect.SQLite, Retry: NewRetryPolicy()}, nil
}

// Close closes the Ent client and the pool under it.
func (db *DB) Close() error {
	if db == nil || db.Client == nil {
		return nil
	}
	return db.Client.Close()
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	return db.SQL.PingContext(ctx)
}
