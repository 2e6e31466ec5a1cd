package database_test

import (
	"context"
	"path/filepath"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/storefront/storefront/ent/migrate"
	"github.com/storefront/storefront/internal/database"
)

func TestOpenSQLite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nested", "dir", "storefront.db") // directories are created
	db, err := database.Open(ctx, database.Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	if db.Dialect != dialect.SQLite {
		t.Fatalf("Dialect = %q", db.Dialect)
	}
	for pragma, want := range map[string]string{"foreign_keys": "1", "journal_mode": "wal", "busy_timeout": "5000"} {
		var got string
		if err := db.SQL.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	// Every table with an id range has its sqlite_sequence seeded.
	for _, tb := range migrate.Tables {
		if tb.Annotation == nil || tb.Annotation.IncrementStart == nil || *tb.Annotation.IncrementStart == 0 {
			continue
		}
		var seq int
		if err := db.SQL.QueryRowContext(ctx, "SELECT seq FROM sqlite_sequence WHERE name = ?", tb.Name).Scan(&seq); err != nil {
			t.Fatalf("sqlite_sequence for %s: %v", tb.Name, err)
		}
		if seq != *tb.Annotation.IncrementStart {
			t.Errorf("sqlite_sequence for %s = %d, want %d", tb.Name, seq, *tb.Annotation.IncrementStart)
		}
	}
	catID, _ := assertIDRanges(t, db.Client)
	if p, err := database.Pending(ctx, db); p || err != nil {
		t.Errorf("Pending on SQLite = %v, %v; want false, nil", p, err)
	}
	if err := database.Migrate(ctx, db); err != nil {
		t.Errorf("Migrate on SQLite: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopening finds the schema in place and the data kept; ids go on in
	// their range.
	db, err = database.Open(ctx, database.Config{SQLitePath: path})
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	defer db.Close()
	if n, err := db.Client.Category.Query().Count(ctx); err != nil || n != 1 {
		t.Fatalf("after reopening: %d categories (%v), want 1", n, err)
	}
	c, err := db.Client.Category.Create().SetName("Tablets").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != catID+1 {
		t.Errorf("next category id = %d, want %d", c.ID, catID+1)
	}
	checkRange(t, "categories", c.ID)
}

// TestOpenSQLiteConcurrently opens several SQLite databases at once: Ent's
// schema setup works on shared tables and must not race.
func TestOpenSQLiteConcurrently(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	errs := make(chan error, 4)
	for i := range 4 {
		go func() {
			db, err := database.Open(context.Background(), database.Config{SQLitePath: filepath.Join(dir, string(rune('a'+i))+".db")})
			if err == nil {
				err = db.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
