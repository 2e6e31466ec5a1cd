package database_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/category"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/testenv"
)

// Alipay's payment times arrive at +08:00 and are stored beside times the
// server made in its own zone. Both backends must give them back in UTC and
// compare them as instants: SQLite compares the text the driver wrote, so a
// +08:00 time would sort by its digits, eight hours late.
func TestTimesInAnyZoneGoBackAsUTCAndCompareAsInstants(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, c *ent.Client) {
		ctx := context.Background()
		beijing := time.FixedZone("CST", 8*3600)
		paid := time.Date(2026, 12, 2, 8, 30, 0, 0, beijing) // 00:30 UTC
		later := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
		a, err := c.Category.Create().SetName("paid in Beijing").SetCreatedAt(paid).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Category.Create().SetName("made in UTC").SetCreatedAt(later).Save(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := c.Category.Get(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.CreatedAt.Location() != time.UTC || !got.CreatedAt.Equal(paid) {
			t.Errorf("read back as %v (%v); want %v in UTC", got.CreatedAt, got.CreatedAt.Location(), paid.UTC())
		}
		before := time.Date(2026, 12, 2, 0, 45, 0, 0, time.UTC)
		names, err := c.Category.Query().Where(category.CreatedAtLT(before)).Select(category.FieldName).Strings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(names) != 1 || names[0] != "paid in Beijing" {
			t.Errorf("created before %v: %q; want only the one paid in Beijing at %v", before, names, paid)
		}
	}
	t.Run("mariadb", func(t *testing.T) {
		t.Parallel()
		check(t, testenv.MySQL(t).Client)
	})
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		db, err := database.Open(context.Background(), database.Config{SQLitePath: filepath.Join(t.TempDir(), "s.db")})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		check(t, db.Client)
	})
}
