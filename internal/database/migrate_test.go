package database_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	migratedb "github.com/golang-migrate/migrate/v4/database"

	"github.com/storefront/storefront/ent"
	"github.com/storefront/storefront/ent/migrate"
	"github.com/storefront/storefront/internal/database"
	"github.com/storefront/storefront/internal/testenv"
	"github.com/storefront/storefront/migrations"
)

// openMySQL opens dsn and closes it when the test ends.
func openMySQL(t *testing.T, dsn string) *database.DB {
	t.Helper()
	db, err := database.Open(context.Background(), database.Config{MySQLDSN: dsn, MaxOpenConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func pending(t *testing.T, db *database.DB) bool {
	t.Helper()
	p, err := database.Pending(context.Background(), db)
	if err != nil {
		t.Fatalf("Pending: %v", err)
	}
	return p
}

// TestMigrateEmptyDatabaseTwiceWithoutDrift applies the migrations to an
// empty database twice and then proves the result is exactly what the Ent
// schema describes: it fails when ent/schema changed without a migration.
func TestMigrateEmptyDatabaseTwiceWithoutDrift(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openMySQL(t, testenv.EmptyMySQL(t))
	if err := database.Migrate(ctx, db); err != nil {
		t.Fatalf("first Migrate: %v", err)
	}
	if err := database.Migrate(ctx, db); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	assertMigrated(t, db)
	if drift := schemaDrift(t, db.SQL); drift != "" {
		t.Fatalf("the migrated database differs from the Ent schema; ent/schema changed without a migration?\n"+
			"run: go run -mod=mod ./internal/database/migrationgen <name>\nstatements that would fix it:\n%s", drift)
	}
	assertTables(t, db.SQL)
	assertIDRanges(t, db.Client)
}

// TestMigrationsMatchEntSchema replays the migration directory the way the
// generator does and expects no new migration: it also fails when a file was
// edited without re-hashing atlas.sum.
func TestMigrationsMatchEntSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openMySQL(t, testenv.EmptyMySQL(t))
	tmp := t.TempDir()
	if err := os.CopyFS(tmp, migrations.FS); err != nil {
		t.Fatal(err)
	}
	dir, err := sqltool.NewGolangMigrateDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	unlock := database.LockSchema()
	defer unlock()
	m, err := schema.NewMigrate(entsql.OpenDB(dialect.MySQL, db.SQL),
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(dialect.MySQL),
		schema.WithFormatter(sqltool.GolangMigrateFormatter),
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
		schema.WithErrNoPlan(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	err = m.NamedDiff(ctx, "drift", migrate.Tables...)
	if errors.Is(err, atlasmigrate.ErrNoPlan) {
		return
	}
	if errors.Is(err, atlasmigrate.ErrChecksumMismatch) {
		t.Fatalf("migrations/atlas.sum does not match the files: a migration was edited by hand. " +
			"Never edit a migration that may have been applied; add a new one with the generator.")
	}
	if err != nil {
		t.Fatalf("replaying migrations/: %v", err)
	}
	var b strings.Builder
	files, _ := dir.Files()
	for _, f := range files {
		if strings.HasSuffix(f.Name(), "_drift.up.sql") {
			b.Write(f.Bytes())
		}
	}
	t.Fatalf("migrations/ lags behind the Ent schema; run: go run -mod=mod ./internal/database/migrationgen <name>\nmissing:\n%s", b.String())
}

// TestDriftIsDetected feeds Migrate altered migration files and expects the
// drift check to notice; it guards the check itself.
func TestDriftIsDetected(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openMySQL(t, testenv.EmptyMySQL(t))
	fsys := fstest.MapFS{}
	var ups []string
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fsys[path] = &fstest.MapFile{Data: b}
		if strings.HasSuffix(path, ".up.sql") {
			ups = append(ups, path)
		}
		return nil
	})
	if err != nil || len(ups) == 0 {
		t.Fatalf("reading the embedded migrations: %v (%d up files)", err, len(ups))
	}
	sort.Strings(ups)
	last := fsys[ups[len(ups)-1]]
	// As if ent/schema had dropped a field and lost the categories' id range
	// without a migration saying so.
	last.Data = append(last.Data, []byte("\nALTER TABLE `categories` ADD COLUMN `drift_probe` int NULL;\n"+
		"ALTER TABLE `categories` AUTO_INCREMENT = 1;\n")...)
	if err := database.MigrateFS(ctx, db, fsys); err != nil {
		t.Fatal(err)
	}
	drift := schemaDrift(t, db.SQL)
	for _, want := range []string{"drift_probe", "AUTO_INCREMENT 4294967296"} {
		if !strings.Contains(drift, want) {
			t.Errorf("drift check missed %q; it reported:\n%s", want, drift)
		}
	}
}

func TestPending(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openMySQL(t, testenv.EmptyMySQL(t))
	if !pending(t, db) {
		t.Fatal("Pending on an empty database = false, want true")
	}
	// Pending does not create golang-migrate's table.
	if n := countTables(t, db.SQL); n != 0 {
		t.Fatalf("Pending created %d tables", n)
	}
	if err := database.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	if pending(t, db) {
		t.Fatal("Pending after Migrate = true, want false")
	}

	// A migration that failed halfway leaves the version dirty.
	if _, err := db.SQL.ExecContext(ctx, "UPDATE schema_migrations SET dirty = 1"); err != nil {
		t.Fatal(err)
	}
	p, err := database.Pending(ctx, db)
	if !errors.Is(err, database.ErrDirty) || !strings.Contains(err.Error(), "dirty") {
		t.Fatalf("Pending on a dirty database = %v, %v; want ErrDirty", p, err)
	}
	if err := database.Migrate(ctx, db); !errors.Is(err, database.ErrDirty) {
		t.Fatalf("Migrate on a dirty database = %v; want ErrDirty", err)
	}
}

// TestMigrateConcurrently starts two instances on one fresh database at
// once: both must succeed and the schema be applied once.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testenv.EmptyMySQL(t)
	dbs := []*database.DB{openMySQL(t, dsn), openMySQL(t, dsn), openMySQL(t, dsn)}
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, len(dbs))
	)
	for i, db := range dbs {
		wg.Go(func() {
			<-start
			errs[i] = database.Migrate(ctx, db)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: Migrate: %v", i, err)
		}
	}
	assertMigrated(t, dbs[0])
	assertTables(t, dbs[0].SQL)
}

// TestMigrateWaitsForTheLock shows what makes concurrent starts safe:
// golang-migrate's mysql driver takes GET_LOCK(<hash of db:schema_migrations>)
// and Migrate waits while another session holds it.
func TestMigrateWaitsForTheLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openMySQL(t, testenv.EmptyMySQL(t))
	var dbName string
	if err := db.SQL.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&dbName); err != nil {
		t.Fatal(err)
	}
	lockID, err := migratedb.GenerateAdvisoryLockId(dbName + ":schema_migrations")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var got int
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 5)", lockID).Scan(&got); err != nil || got != 1 {
		t.Fatalf("GET_LOCK = %d, %v", got, err)
	}
	done := make(chan error, 1)
	go func() { done <- database.Migrate(ctx, db) }()
	select {
	case err := <-done:
		t.Fatalf("Migrate finished (%v) while another session held the migration lock", err)
	case <-time.After(700 * time.Millisecond):
	}
	if n := countTables(t, db.SQL); n != 0 {
		t.Fatalf("Migrate created %d tables while another session held the migration lock", n)
	}
	if _, err := conn.ExecContext(ctx, "SELECT RELEASE_LOCK(?)", lockID); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Migrate did not finish after the lock was released")
	}
	assertMigrated(t, db)
}

func TestOpenMySQLSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := testenv.MySQL(t)
	var tz string
	if err := env.SQL.QueryRowContext(ctx, "SELECT @@session.time_zone").Scan(&tz); err != nil {
		t.Fatal(err)
	}
	if tz != "+00:00" {
		t.Errorf("session time_zone = %q, want +00:00", tz)
	}
	if s := env.SQL.Stats(); s.MaxOpenConnections != database.DefaultMaxOpenConns {
		t.Errorf("MaxOpenConnections = %d, want %d", s.MaxOpenConnections, database.DefaultMaxOpenConns)
	}
	before := time.Now().Add(-time.Second)
	c, err := env.Client.Category.Create().SetName("tz").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, err = env.Client.Category.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.CreatedAt.Location() != time.UTC || c.CreatedAt.Before(before) || c.CreatedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("created_at read back as %v (%v), want about now in UTC", c.CreatedAt, c.CreatedAt.Location())
	}
	if err := env.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	// A second instance on the same database.
	other := openMySQL(t, env.DSN)
	if n, err := other.Client.Category.Query().Count(ctx); err != nil || n != 1 {
		t.Fatalf("second instance counts %d categories (%v), want 1", n, err)
	}
}

func TestOpenRejectsBadConfig(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, cfg := range []database.Config{
		{},
		{MySQLDSN: "root@tcp(127.0.0.1:3306)/"}, // no database name
		{MySQLDSN: "::not a dsn"},
	} {
		if db, err := database.Open(ctx, cfg); err == nil {
			_ = db.Close()
			t.Errorf("Open(%+v) succeeded", cfg)
		}
	}
}

// schemaDrift returns the statements that would turn the database behind db
// into the Ent schema (empty when they match), computed by Ent's own
// migration engine inspecting the database.
func schemaDrift(t *testing.T, db *sql.DB) string {
	t.Helper()
	unlock := database.LockSchema()
	defer unlock()
	dir := &atlasmigrate.MemDir{}
	m, err := schema.NewMigrate(entsql.OpenDB(dialect.MySQL, db),
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeInspect),
		schema.WithDialect(dialect.MySQL),
		schema.WithFormatter(sqltool.GolangMigrateFormatter),
		// Also report columns and indexes the schema no longer has.
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
		schema.WithErrNoPlan(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	err = m.NamedDiff(context.Background(), "drift", migrate.Tables...)
	if errors.Is(err, atlasmigrate.ErrNoPlan) {
		return ""
	}
	if err != nil {
		t.Fatalf("diffing the database against the Ent schema: %v", err)
	}
	files, err := dir.Files()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range files {
		if strings.HasSuffix(f.Name(), ".up.sql") {
			b.Write(f.Bytes())
		}
	}
	return b.String()
}

// assertMigrated checks golang-migrate's version row: the newest embedded
// version, clean.
func assertMigrated(t *testing.T, db *database.DB) {
	t.Helper()
	var (
		rows  int
		v     uint64
		dirty bool
	)
	if err := db.SQL.QueryRow("SELECT COUNT(*), MAX(version), MAX(dirty) FROM schema_migrations").Scan(&rows, &v, &dirty); err != nil {
		t.Fatal(err)
	}
	want := latestEmbeddedVersion(t)
	if rows != 1 || v != want || dirty {
		t.Fatalf("schema_migrations: %d rows, version %d, dirty %v; want 1 row, version %d, clean", rows, v, dirty, want)
	}
	if pending(t, db) {
		t.Fatal("Pending = true after Migrate")
	}
}

func latestEmbeddedVersion(t *testing.T) uint64 {
	t.Helper()
	ups, err := fs.Glob(migrations.FS, "*.up.sql")
	if err != nil || len(ups) == 0 {
		t.Fatalf("no embedded migrations (%v)", err)
	}
	var latest uint64
	for _, name := range ups {
		var v uint64
		for _, r := range name {
			if r < '0' || r > '9' {
				break
			}
			v = v*10 + uint64(r-'0')
		}
		latest = max(latest, v)
	}
	return latest
}

// assertTables checks that the database holds exactly the Ent tables and
// golang-migrate's version table (the drift check only looks at Ent's).
func assertTables(t *testing.T, db *sql.DB) {
	t.Helper()
	rows, err := db.Query("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	want := []string{"schema_migrations"}
	for _, tb := range migrate.Tables {
		want = append(want, tb.Name)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("tables = %v, want %v", got, want)
	}
}

func countTables(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// assertIDRanges inserts a Category and a Goods (without SKUs) and checks
// each id is in its type's global-id range (ent/internal/globalid.go,
// carried by the IncrementStart annotations).
func assertIDRanges(t *testing.T, client *ent.Client) (catID, goodsID int) {
	t.Helper()
	ctx := context.Background()
	c, err := client.Category.Create().SetName("Phones").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	g, err := client.Goods.Create().SetName("Phone X").SetCategory(c).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkRange(t, "categories", c.ID)
	checkRange(t, "goods", g.ID)
	if c.ID>>32 == g.ID>>32 {
		t.Fatalf("category %d and goods %d share an id range", c.ID, g.ID)
	}
	return c.ID, g.ID
}

func checkRange(t *testing.T, table string, id int) {
	t.Helper()
	for _, tb := range migrate.Tables {
		if tb.Name != table {
			continue
		}
		if tb.Annotation == nil || tb.Annotation.IncrementStart == nil {
			t.Fatalf("table %s has no IncrementStart annotation (sql/globalid off?)", table)
		}
		start := *tb.Annotation.IncrementStart
		if id < start || id >= start+1<<32 {
			t.Fatalf("%s id %d outside its range [%d, %d)", table, id, start, start+1<<32)
		}
		return
	}
	t.Fatalf("no table %s in migrate.Tables", table)
}
