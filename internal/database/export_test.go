package database

import (
	"context"
	"io/fs"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Internals the external tests (package database_test, which can import
// testenv) need.

// MigrateFS applies the migrations in fsys instead of the embedded ones.
func MigrateFS(ctx context.Context, db *DB, fsys fs.FS) error { return migrateFS(ctx, db, fsys) }

// LockSchema holds the lock that serializes Ent schema operations on the
// shared migrate.Tables; call the returned func to release it.
func LockSchema() (unlock func()) {
	schemaMu.Lock()
	return schemaMu.Unlock
}

// Backoff exposes the policy's backoff for retry n (1-based).
func (p *RetryPolicy) Backoff(n int) time.Duration { return p.backoff(n) }

// MySQLConfigs returns the configurations of the application's and the
// migrations' connections for dsn.
func MySQLConfigs(dsn string, cfg Config) (app, migration *mysql.Config, err error) {
	return mysqlConfigs(dsn, cfg)
}
