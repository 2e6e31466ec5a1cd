package database_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/go-sql-driver/mysql"
	"modernc.org/sqlite"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/testenv"
)

func TestIsRetryable(t *testing.T) {
	t.Parallel()
	busy := sqliteBusyError(t)
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"deadlock 1213", &mysql.MySQLError{Number: 1213, Message: "Deadlock found"}, true},
		{"lock wait timeout 1205", &mysql.MySQLError{Number: 1205}, true},
		{"record changed 1020", &mysql.MySQLError{Number: 1020}, true},
		{"wrapped deadlock", fmt.Errorf("place order: %w", &mysql.MySQLError{Number: 1213}), true},
		{"twice wrapped deadlock", fmt.Errorf("a: %w", fmt.Errorf("b: %w", &mysql.MySQLError{Number: 1213})), true},
		{"joined deadlock", errors.Join(errors.New("x"), &mysql.MySQLError{Number: 1213}), true},
		{"too many connections 1040", &mysql.MySQLError{Number: 1040, Message: "Too many connections"}, true},
		{"user's max_user_connections 1203", &mysql.MySQLError{Number: 1203}, true},
		{"account's MAX_USER_CONNECTIONS 1226", &mysql.MySQLError{Number: 1226}, true},
		{"1040 while connecting", fmt.Errorf("database: begin transaction: %w", &mysql.MySQLError{Number: 1040}), true},
		{"access denied 1045", &mysql.MySQLError{Number: 1045}, false},
		{"duplicate 1062", &mysql.MySQLError{Number: 1062}, false},
		{"syntax 1064", &mysql.MySQLError{Number: 1064}, false},
		{"bad conn", driver.ErrBadConn, true},
		{"wrapped bad conn", fmt.Errorf("commit: %w", driver.ErrBadConn), true},
		{"invalid conn", mysql.ErrInvalidConn, true},
		{"unexpected EOF", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{"plain error", errors.New("deadlock"), false},
		{"sql.ErrNoRows", sql.ErrNoRows, false},
		{"canceled", context.Canceled, false},
		{"canceled joined with deadlock", errors.Join(context.Canceled, &mysql.MySQLError{Number: 1213}), false},
		{"deadline joined with bad conn", errors.Join(context.DeadlineExceeded, driver.ErrBadConn), false},
		{"sqlite busy", busy, true},
		{"wrapped sqlite busy", fmt.Errorf("tx: %w", busy), true},
		{"sqlite unique", sqliteUniqueError(t), false},
		{"deadlock through an ent create", entConstraint(t, &mysql.MySQLError{Number: 1213}), true},
		{"bad conn through an ent create", entConstraint(t, driver.ErrBadConn), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := database.IsRetryable(tc.err); got != tc.want {
				t.Errorf("IsRetryable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestIsUniqueViolation(t *testing.T) {
	t.Parallel()
	uniq := sqliteUniqueError(t)
	// The ent cases below really are wrapped the way Ent wraps.
	for _, cause := range []error{&mysql.MySQLError{Number: 1062}, &mysql.MySQLError{Number: 1452}, errors.New("Error 1062 (23000): Duplicate entry")} {
		if err := entConstraint(t, cause); !ent.IsConstraintError(err) {
			t.Fatalf("ent did not wrap %v in a ConstraintError: %T %v", cause, err, err)
		}
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"mysql 1062", &mysql.MySQLError{Number: 1062, Message: "Duplicate entry 'a' for key 'username'"}, true},
		{"wrapped mysql 1062", fmt.Errorf("create user: %w", &mysql.MySQLError{Number: 1062}), true},
		{"mysql fk 1452", &mysql.MySQLError{Number: 1452}, false},
		{"mysql deadlock", &mysql.MySQLError{Number: 1213}, false},
		{"plain", errors.New("Duplicate entry"), false},
		{"sqlite unique", uniq, true},
		{"wrapped sqlite unique", fmt.Errorf("x: %w", uniq), true},
		{"sqlite busy", sqliteBusyError(t), false},
		{"ent constraint wrapping 1062", entConstraint(t, &mysql.MySQLError{Number: 1062, Message: "Duplicate entry"}), true},
		{"ent constraint wrapping fk 1452", entConstraint(t, &mysql.MySQLError{Number: 1452, Message: "Cannot add or update a child row"}), false},
		{"wrapped ent constraint wrapping 1062", fmt.Errorf("tx: %w", entConstraint(t, &mysql.MySQLError{Number: 1062})), true},
		{"ent constraint with untyped unique cause", entConstraint(t, errors.New("Error 1062 (23000): Duplicate entry 'a' for key 'username'")), true},
		{"ent constraint with untyped fk cause", entConstraint(t, errors.New("Error 1452 (23000): Cannot add")), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := database.IsUniqueViolation(tc.err); got != tc.want {
				t.Errorf("IsUniqueViolation(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

// TestUniqueViolationFromEnt checks the classification on what Ent really
// returns for a duplicate, on MariaDB and on SQLite.
func TestUniqueViolationFromEnt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	check := func(t *testing.T, client *ent.Client) {
		create := func() error {
			return client.User.Create().SetUsername("dup").SetMobile("13800000000").SetPasswordHash("x").Exec(ctx)
		}
		if err := create(); err != nil {
			t.Fatal(err)
		}
		err := create()
		if err == nil {
			t.Fatal("second insert of the same username succeeded")
		}
		if !ent.IsConstraintError(err) {
			t.Errorf("ent.IsConstraintError(%v) = false", err)
		}
		if !database.IsUniqueViolation(err) {
			t.Errorf("IsUniqueViolation(%T %v) = false", err, err)
		}
		if database.IsRetryable(err) {
			t.Errorf("IsRetryable(%v) = true", err)
		}
	}
	t.Run("mariadb", func(t *testing.T) {
		t.Parallel()
		check(t, testenv.MySQL(t).Client)
	})
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		db, err := database.Open(ctx, database.Config{SQLitePath: filepath.Join(t.TempDir(), "s.db")})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		check(t, db.Client)
	})
}

// entConstraint returns what Ent's generated code returns when the driver
// fails an insert with cause: for constraint failures (which Ent recognizes
// by message) an *ent.ConstraintError wrapping cause, otherwise cause.
func entConstraint(t *testing.T, cause error) error {
	t.Helper()
	client := ent.NewClient(ent.Driver(failingDriver{err: cause}))
	err := client.Category.Create().SetName("x").Exec(context.Background())
	if err == nil {
		t.Fatal("create on a failing driver succeeded")
	}
	return err
}

// failingDriver fails every statement with err.
type failingDriver struct{ err error }

func (d failingDriver) Exec(context.Context, string, any, any) error  { return d.err }
func (d failingDriver) Query(context.Context, string, any, any) error { return d.err }
func (d failingDriver) Tx(context.Context) (dialect.Tx, error)        { return dialect.NopTx(d), nil }
func (failingDriver) Close() error                                    { return nil }
func (failingDriver) Dialect() string                                 { return dialect.MySQL }

// sqliteUniqueError returns a real SQLITE_CONSTRAINT_UNIQUE error.
func sqliteUniqueError(t *testing.T) error {
	t.Helper()
	db := openRawSQLite(t, filepath.Join(t.TempDir(), "u.db"), 5000)
	mustExec(t, db, "CREATE TABLE t (k TEXT UNIQUE)")
	mustExec(t, db, "INSERT INTO t VALUES ('a')")
	_, err := db.Exec("INSERT INTO t VALUES ('a')")
	var se *sqlite.Error
	if !errors.As(err, &se) {
		t.Fatalf("duplicate insert: got %T %v, want *sqlite.Error", err, err)
	}
	return err
}

// sqliteBusyError returns a real SQLITE_BUSY error: a second writer that
// does not wait for the lock.
func sqliteBusyError(t *testing.T) error {
	t.Helper()
	path := filepath.Join(t.TempDir(), "b.db")
	a := openRawSQLite(t, path, 5000)
	mustExec(t, a, "CREATE TABLE t (k INTEGER)")
	tx, err := a.Begin() // BEGIN IMMEDIATE: takes the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	b := openRawSQLite(t, path, 0)
	_, err = b.Exec("INSERT INTO t VALUES (1)")
	var se *sqlite.Error
	if !errors.As(err, &se) || se.Code()&0xff != 5 {
		t.Fatalf("second writer: got %T %v, want SQLITE_BUSY", err, err)
	}
	return err
}

func openRawSQLite(t *testing.T, path string, busyTimeoutMS int) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", fmt.Sprintf("file:%s?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_txlock=immediate", path, busyTimeoutMS))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
