package database_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/go-sql-driver/mysql"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/testenv"
)

// traced starts a recording span, as a traced request would, and returns
// its context and the recorder of every span under it.
func traced(t *testing.T) (context.Context, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx, span := tp.Tracer("test").Start(context.Background(), "request")
	t.Cleanup(func() { span.End() })
	return ctx, rec
}

func spanNames(rec *tracetest.SpanRecorder) []string {
	var names []string
	for _, s := range rec.Ended() {
		names = append(names, s.Name())
	}
	return names
}

// A traced database hands the retry policy and the unique-key check the
// driver's own errors, as the plain one does: a duplicate is still a
// *mysql.MySQLError 1062; a statement on a connection the server killed
// mid-transaction is still mysql.ErrInvalidConn, retryable; and a pooled
// connection the server killed while idle is still driver.ErrBadConn to
// database/sql, which takes another connection, so the caller sees
// nothing. The statements made spans, so the wrapped driver answered.
func TestATracedDatabaseKeepsTheDriversErrors(t *testing.T) {
	t.Parallel()
	env := testenv.MySQL(t)
	for i, tracing := range []bool{false, true} {
		db, err := database.Open(t.Context(), database.Config{MySQLDSN: env.DSN, Tracing: tracing})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ctx, rec := traced(t)
		name := fmt.Sprintf("tracing %v", tracing)

		create := func() error {
			return db.Client.User.Create().SetUsername(fmt.Sprintf("dup%d", i)).SetMobile(fmt.Sprintf("1380000000%d", i)).SetPasswordHash("x").Exec(ctx)
		}
		if err := create(); err != nil {
			t.Fatal(err)
		}
		err = create()
		if me, ok := errors.AsType[*mysql.MySQLError](err); !ok || me.Number != 1062 {
			t.Errorf("%s: duplicate insert: %T %v, want a *mysql.MySQLError 1062 inside", name, err, err)
		}
		if !database.IsUniqueViolation(err) || database.IsRetryable(err) {
			t.Errorf("%s: duplicate insert: IsUniqueViolation %v, IsRetryable %v; want true, false", name, database.IsUniqueViolation(err), database.IsRetryable(err))
		}

		tx, err := db.SQL.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "KILL CONNECTION_ID()"); err == nil {
			t.Fatalf("%s: KILL CONNECTION_ID() returned no error", name)
		}
		_, err = tx.ExecContext(ctx, "SELECT 1")
		if !errors.Is(err, mysql.ErrInvalidConn) || !database.IsRetryable(err) {
			t.Errorf("%s: a statement on the killed connection: %T %v; want mysql.ErrInvalidConn, retryable", name, err, err)
		}
		_ = tx.Rollback()

		// One idle connection, killed from elsewhere.
		db.SQL.SetMaxOpenConns(1)
		var id int64
		if err := db.SQL.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := env.SQL.ExecContext(ctx, fmt.Sprintf("KILL %d", id)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Client.Category.Query().Count(ctx); err != nil {
			t.Errorf("%s: a query after the idle connection was killed: %v; want it run on a new one", name, err)
		}

		names := spanNames(rec)
		want := []string{"sql INSERT", "sql.conn.begin_tx", "sql KILL", "sql.connector.connect"}
		for _, w := range want {
			if tracing && !slices.Contains(names, w) {
				t.Errorf("no %q span among %q", w, names)
			}
		}
		if !tracing && len(names) > 0 {
			t.Errorf("untraced database made spans %q", names)
		}
	}
}

// Work outside a traced request (the sweeper, start-up) makes no span,
// and a traced SQLite database spans as MariaDB does.
func TestATracedDatabaseSpansOnlyUnderATracedCaller(t *testing.T) {
	t.Parallel()
	db, err := database.Open(t.Context(), database.Config{SQLitePath: filepath.Join(t.TempDir(), "t.db"), Tracing: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, rec := traced(t)
	if _, err := db.Client.Category.Query().Count(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.Ended()); n != 0 {
		t.Fatalf("%d spans from an untraced statement: %q", n, spanNames(rec))
	}
	err = db.InTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
		return tx.Category.Create().SetName("c").Exec(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	names := spanNames(rec)
	for _, want := range []string{"sql.conn.begin_tx", "sql INSERT", "sql.tx.commit"} {
		if !slices.Contains(names, want) {
			t.Errorf("no %q span among %q", want, names)
		}
	}
}
