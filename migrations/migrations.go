// Package migrations holds the versioned MySQL/MariaDB schema migrations in
// golang-migrate's format (<version>_<name>.up.sql / .down.sql), generated
// from the Ent schema by internal/database/migrationgen:
//
//	go run -mod=mod ./internal/database/migrationgen <name>   # or: make migration NAME=<name>
//
// Never edit an applied file: add a new migration. atlas.sum guards the
// directory's integrity (the generator refuses to run when a file changed
// without re-hashing); golang-migrate ignores it.
package migrations

import "embed"

// FS holds the migration files (and atlas.sum) at its root.
//
//go:embed *.sql atlas.sum
var FS embed.FS
