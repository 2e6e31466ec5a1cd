// Command migrationgen writes the next versioned MySQL/MariaDB migration
// (golang-migrate format: migrations/<timestamp>_<name>.up.sql and
// .down.sql, plus migrations/atlas.sum) from the difference between the
// existing migration files and the Ent schema (ent/migrate/schema.go, so run
// `go generate ./...` after editing ent/schema first).
//
// Usage, from the module root:
//
//	go run -mod=mod ./internal/database/migrationgen <name>
//	make migration NAME=<name>        # the same, through the Makefile
//
// <name> is lower_snake_case and says what changed (add_sku_weight). When the
// migrations already match the schema nothing is written.
//
// It needs a MariaDB/MySQL server to replay the existing files on: the
// go-sql-driver DSN in STOREFRONT_DEV_MYSQL (default "root@tcp(127.0.0.1:3306)/",
// no database name; the user must be allowed to CREATE and DROP databases).
// It creates a scratch database storefront_migrationgen_<random>, replays
// migrations/ into it, diffs the result against the Ent schema, writes the
// new files and drops the scratch database.
//
// Ids: the Ent config uses the sql/globalid feature, so each table in
// ent/migrate/schema.go carries an IncrementStart annotation (the type's id
// range, ent/internal/globalid.go). The diff turns it into
// `AUTO_INCREMENT <start>` on CREATE TABLE, so no extra option is passed here;
// migrate.WithGlobalUniqueID is the older ent_types scheme, which ent rejects
// together with those annotations. The generator checks that every CREATE
// TABLE it writes carries its table's start.
//
// After an ent/atlas upgrade that changes the sum format, re-hash the
// directory (dir.Checksum() + migrate.WriteSumFile).
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"
	"github.com/go-sql-driver/mysql"

	"github.com/storefront/storefront/ent/migrate"
)

const migrationsDir = "migrations"

var validName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func main() {
	log.SetFlags(0)
	log.SetPrefix("migrationgen: ")
	if len(os.Args) == 2 && os.Args[1] == "-rehash" {
		// Two branches that each add a migration merge with a conflict in
		// atlas.sum only: the files themselves are both right.
		if err := rehash(); err != nil {
			log.Fatal(err)
		}
		return
	}
	if len(os.Args) != 2 || !validName.MatchString(os.Args[1]) {
		log.Fatal("usage: go run -mod=mod ./internal/database/migrationgen <name>   (name: lower_snake_case)\n" +
			"       go run -mod=mod ./internal/database/migrationgen -rehash   (rewrite migrations/atlas.sum after a merge)")
	}
	name := os.Args[1]
	if _, err := os.Stat("go.mod"); err != nil {
		log.Fatal("run it from the module root (where go.mod is)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := run(ctx, name); err != nil {
		log.Fatal(err)
	}
}

// rehash rewrites atlas.sum from the files in the migrations directory.
func rehash() error {
	dir, err := sqltool.NewGolangMigrateDir(migrationsDir)
	if err != nil {
		return err
	}
	sum, err := dir.Checksum()
	if err != nil {
		return err
	}
	if err := atlasmigrate.WriteSumFile(dir, sum); err != nil {
		return err
	}
	log.Printf("rewrote %s/atlas.sum", migrationsDir)
	return nil
}

func run(ctx context.Context, name string) (err error) {
	devDSN := os.Getenv("STOREFRONT_DEV_MYSQL")
	if devDSN == "" {
		devDSN = "root@tcp(127.0.0.1:3306)/"
	}
	cfg, err := mysql.ParseDSN(devDSN)
	if err != nil {
		return fmt.Errorf("STOREFRONT_DEV_MYSQL: %w", err)
	}
	if cfg.Net != "tcp" {
		return fmt.Errorf("STOREFRONT_DEV_MYSQL: only tcp(host:port) addresses are supported, got %q", cfg.Net)
	}
	cfg.DBName = ""
	server, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return err
	}
	defer server.Close()
	if err := server.PingContext(ctx); err != nil {
		return fmt.Errorf("connecting to the dev MySQL at %s (STOREFRONT_DEV_MYSQL): %w", cfg.Addr, err)
	}

	var b [6]byte
	_, _ = rand.Read(b[:])
	scratch := "storefront_migrationgen_" + hex.EncodeToString(b[:])
	if _, err := server.ExecContext(ctx, "CREATE DATABASE `"+scratch+"`"); err != nil {
		return fmt.Errorf("creating the scratch database: %w", err)
	}
	defer func() {
		// A fresh context: drop the scratch database even after a timeout.
		dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer dcancel()
		if _, derr := server.ExecContext(dctx, "DROP DATABASE IF EXISTS `"+scratch+"`"); derr != nil && err == nil {
			err = fmt.Errorf("dropping the scratch database %s: %w", scratch, derr)
		}
	}()

	devURL := (&url.URL{
		Scheme: "mysql",
		User:   userInfo(cfg),
		Host:   cfg.Addr,
		Path:   "/" + scratch,
	}).String()

	dir, err := sqltool.NewGolangMigrateDir(migrationsDir)
	if err != nil {
		return fmt.Errorf("opening %s/: %w", migrationsDir, err)
	}
	before, err := dir.Files()
	if err != nil {
		return err
	}
	err = migrate.NamedDiff(ctx, devURL, name,
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(dialect.MySQL),
		schema.WithFormatter(sqltool.GolangMigrateFormatter),
		// Ent's default skips dropped columns and indexes; a versioned
		// migration should say everything that changed. Review the file.
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
		schema.WithErrNoPlan(true),
	)
	switch {
	case errors.Is(err, atlasmigrate.ErrNoPlan):
		log.Printf("no changes: %s/ already matches the Ent schema", migrationsDir)
		return nil
	case err != nil:
		return fmt.Errorf("computing the migration: %w", err)
	}
	after, err := dir.Files()
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, f := range before {
		seen[f.Name()] = true
	}
	for _, f := range after {
		if seen[f.Name()] {
			continue
		}
		if err := checkIncrementStarts(f.Name(), string(f.Bytes())); err != nil {
			return err
		}
		log.Printf("wrote %s/%s and %s", migrationsDir, f.Name(), strings.TrimSuffix(f.Name(), ".up.sql")+".down.sql")
	}
	log.Printf("updated %s/atlas.sum; review the files, then run go test ./internal/database/", migrationsDir)
	return nil
}

func userInfo(cfg *mysql.Config) *url.Userinfo {
	if cfg.Passwd != "" {
		return url.UserPassword(cfg.User, cfg.Passwd)
	}
	return url.User(cfg.User)
}

var createTable = regexp.MustCompile("(?s)CREATE TABLE `([^`]+)`([^;]*);")

// checkIncrementStarts makes sure each CREATE TABLE in an up file carries the
// AUTO_INCREMENT start of its type's id range (start 0 means the default 1).
func checkIncrementStarts(file, content string) error {
	if !strings.HasSuffix(file, ".up.sql") {
		return nil
	}
	for _, t := range migrate.Tables {
		if t.Annotation == nil || t.Annotation.IncrementStart == nil || *t.Annotation.IncrementStart == 0 {
			continue
		}
		for _, m := range createTable.FindAllStringSubmatch(content, -1) {
			if m[1] != t.Name {
				continue
			}
			want := fmt.Sprintf("AUTO_INCREMENT %d", *t.Annotation.IncrementStart)
			if !strings.Contains(m[2], want) {
				return fmt.Errorf("%s: CREATE TABLE %s lacks %s (its global id range)", file, t.Name, want)
			}
		}
	}
	return nil
}
