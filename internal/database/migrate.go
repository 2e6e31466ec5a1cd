package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"entgo.io/ent/dialect"
	"github.com/go-sql-driver/mysql"
	"github.com/golang-migrate/migrate/v4"
	migratedb "github.com/golang-migrate/migrate/v4/database"
	migratemysql "github.com/golang-migrate/migrate/v4/database/mysql"
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/storefront/storefront/migrations"
)

// migrationsTable is golang-migrate's version table (its default name).
const migrationsTable = "schema_migrations"

// ErrDirty means a migration failed halfway on this database (MySQL DDL is
// not transactional): golang-migrate refuses to go on until someone repairs
// the schema by hand and forces the version (`migrate force N`).
var ErrDirty = errors.New("database: the schema is dirty: a migration failed halfway; repair it by hand, then force the version")

// lockRetryFor bounds how long Migrate keeps waiting for another instance
// that holds the migration lock (golang-migrate gives up after 10s per try).
const lockRetryFor = 2 * time.Minute

// Migrate applies the embedded migrations (migrations/*.sql) that db has not
// applied yet. Running it again, or from several instances at once, is
// fine: golang-migrate serializes on a GET_LOCK named after the database, a
// second instance waits for the first and then finds nothing to do. On SQLite
// it does nothing: Open already created the schema.
func Migrate(ctx context.Context, db *DB) error {
	return migrateFS(ctx, db, migrations.FS)
}

// migrateFS is Migrate with the migration files taken from fsys (tests feed
// it altered copies).
func migrateFS(ctx context.Context, db *DB, fsys fs.FS) error {
	if db.Dialect != dialect.MySQL {
		return nil
	}
	if db.migrationCfg == nil {
		return errors.New("database: Migrate needs a *DB returned by Open")
	}
	deadline := time.Now().Add(lockRetryFor)
	for {
		err := migrateOnce(ctx, db.migrationCfg, fsys)
		if !isLockBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func isLockBusy(err error) bool {
	return errors.Is(err, migrate.ErrLocked) || errors.Is(err, migrate.ErrLockTimeout) ||
		errors.Is(err, migratedb.ErrLocked)
}

func migrateOnce(ctx context.Context, base *mysql.Config, fsys fs.FS) (err error) {
	// A separate pool: the migration files hold several statements each, and
	// multiStatements must never be on for the application's connections.
	mc := base.Clone()
	mc.MultiStatements = true
	connector, err := mysql.NewConnector(mc)
	if err != nil {
		return fmt.Errorf("database: migrations: %w", err)
	}
	mdb := sql.OpenDB(connector)
	mdb.SetMaxOpenConns(2)
	if err := mdb.PingContext(ctx); err != nil {
		_ = mdb.Close()
		return fmt.Errorf("database: migrations: connecting: %w", err)
	}
	drv, err := migratemysql.WithInstance(mdb, &migratemysql.Config{DatabaseName: mc.DBName, MigrationsTable: migrationsTable})
	if err != nil {
		_ = mdb.Close()
		return fmt.Errorf("database: migrations: %w", err)
	}
	src, err := iofs.New(fsys, ".")
	if err != nil {
		_ = drv.Close()
		return fmt.Errorf("database: migrations: reading the embedded files: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "mysql", drv)
	if err != nil {
		_ = src.Close()
		_ = drv.Close()
		return fmt.Errorf("database: migrations: %w", err)
	}
	defer func() {
		// Closes the source, the driver's connection and mdb.
		srcErr, dbErr := m.Close()
		if cerr := errors.Join(srcErr, dbErr); err == nil && cerr != nil {
			err = fmt.Errorf("database: migrations: closing: %w", cerr)
		}
	}()
	// Stop between two files when ctx ends (a file in progress finishes).
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-ctx.Done():
			select {
			case m.GracefulStop <- true:
			default:
			}
		case <-stop:
		}
	}()
	err = m.Up()
	var dirty migrate.ErrDirty
	switch {
	case err == nil, errors.Is(err, migrate.ErrNoChange):
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return nil
	case errors.As(err, &dirty):
		return fmt.Errorf("%w (version %d)", ErrDirty, dirty.Version)
	default:
		return fmt.Errorf("database: migrations: %w", err)
	}
}

// Pending reports whether db has embedded migrations it has not applied. A
// dirty database is reported as an error wrapping ErrDirty. It does not
// change the database (no version table is created). On SQLite it is always
// false.
func Pending(ctx context.Context, db *DB) (bool, error) {
	if db.Dialect != dialect.MySQL {
		return false, nil
	}
	latest, ok, err := latestVersion(migrations.FS)
	if err != nil {
		return false, err
	}
	var n int
	err = db.SQL.QueryRowContext(ctx,
		"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?",
		migrationsTable).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("database: reading the migration version: %w", err)
	}
	if n == 0 {
		return ok, nil
	}
	var (
		version uint64
		dirty   bool
	)
	err = db.SQL.QueryRowContext(ctx, "SELECT version, dirty FROM `"+migrationsTable+"` LIMIT 1").Scan(&version, &dirty)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ok, nil
	case err != nil:
		return false, fmt.Errorf("database: reading the migration version: %w", err)
	case dirty:
		return true, fmt.Errorf("%w (version %d)", ErrDirty, version)
	}
	return ok && version < uint64(latest), nil
}

// latestVersion returns the highest version among the embedded migrations
// (ok is false when there are none).
func latestVersion(fsys fs.FS) (v uint, ok bool, err error) {
	src, err := iofs.New(fsys, ".")
	if err != nil {
		return 0, false, fmt.Errorf("database: migrations: reading the embedded files: %w", err)
	}
	defer src.Close()
	v, err = src.First()
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("database: migrations: %w", err)
	}
	for {
		next, err := src.Next(v)
		if errors.Is(err, fs.ErrNotExist) {
			return v, true, nil
		}
		if err != nil {
			return 0, false, fmt.Errorf("database: migrations: %w", err)
		}
		v = next
	}
}
