// Package database opens the storefront's database (MySQL/MariaDB in
// production, SQLite for the embedded default), applies the versioned
// migrations, and is the one place that knows SQL error numbers, the
// transaction helper and the shared retry policy.
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
	"sync"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/go-sql-driver/mysql"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/storefront/storefront/ent"
)

// Config says which database to open. MySQLDSN wins when set; otherwise the
// SQLite file at SQLitePath is used (and created).
type Config struct {
	// MySQLDSN is a go-sql-driver DSN, e.g. "root@tcp(127.0.0.1:3306)/storefront".
	MySQLDSN string
	// SQLitePath is the SQLite database file, used when MySQLDSN is empty.
	SQLitePath string
	// MaxOpenConns bounds the pool; 0 means DefaultMaxOpenConns.
	MaxOpenConns int
}

// DefaultMaxOpenConns is the pool size when Config.MaxOpenConns is 0.
const DefaultMaxOpenConns = 64

// connMaxLifetime recycles MySQL connections before a proxy or the server's
// wait_timeout drops them underneath the pool.
const connMaxLifetime = 5 * time.Minute

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
// up front (no lock upgrade deadlocks between two writers).
const sqlitePragmas = "_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_txlock=immediate"

// DB is an open database: the Ent client, the underlying pool and the dialect
// (dialect.MySQL or dialect.SQLite).
type DB struct {
	Client  *ent.Client
	SQL     *sql.DB
	Dialect string

	// mysqlCfg is the parsed (and normalised) DSN on MySQL; Migrate opens its
	// own multi-statement connection from it. Nil on SQLite.
	mysqlCfg *mysql.Config
}

// schemaMu serializes Ent schema operations in this process: they all work
// on the generated migrate.Tables, which ent mutates while setting them up
// (two SQLite databases opened at once would race on them).
var schemaMu sync.Mutex

// Open opens the database described by cfg. On MySQL it only connects (run
// Migrate to apply the schema); on SQLite it also creates or upgrades the
// schema with Ent's auto-migration.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	maxOpen := cfg.MaxOpenConns
	if maxOpen <= 0 {
		maxOpen = DefaultMaxOpenConns
	}
	switch {
	case cfg.MySQLDSN != "":
		return openMySQL(ctx, cfg.MySQLDSN, maxOpen)
	case cfg.SQLitePath != "":
		return openSQLite(ctx, cfg.SQLitePath, maxOpen)
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

func openMySQL(ctx context.Context, dsn string, maxOpen int) (*DB, error) {
	mc, err := mysqlConfig(dsn)
	if err != nil {
		return nil, err
	}
	connector, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	sdb := sql.OpenDB(connector)
	sdb.SetMaxOpenConns(maxOpen)
	sdb.SetMaxIdleConns(maxOpen)
	sdb.SetConnMaxLifetime(connMaxLifetime)
	if err := sdb.PingContext(ctx); err != nil {
		_ = sdb.Close()
		return nil, fmt.Errorf("database: connecting to MySQL at %s (database %q): %w", mc.Addr, mc.DBName, err)
	}
	return &DB{
		Client:   ent.NewClient(ent.Driver(entsql.OpenDB(dialect.MySQL, sdb))),
		SQL:      sdb,
		Dialect:  dialect.MySQL,
		mysqlCfg: mc,
	}, nil
}

func openSQLite(ctx context.Context, path string, maxOpen int) (*DB, error) {
	if err := privateFile(path); err != nil {
		return nil, err
	}
	sdb, err := sql.Open("sqlite", "file:"+path+"?"+sqlitePragmas)
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
	return &DB{Client: client, SQL: sdb, Dialect: dialect.SQLite}, nil
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

// Tx runs fn in a transaction on db; see WithTx.
func (db *DB) Tx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	return WithTx(ctx, db.Client, db.Dialect, fn)
}
