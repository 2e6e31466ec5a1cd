#!/usr/bin/env bash
# Runs the slower fault tests: every Test in a file tagged `//go:build chaos`
# (frozen MariaDB and Redis, servers restarted empty, locked tables), package
# by package, with the race detector. `make test` runs the quick ones.
set -euo pipefail
cd "$(dirname "$0")/.."

files=$(git grep -l '^//go:build chaos' -- '*_test.go' || true)
[ -n "$files" ] || { echo "chaos: no tests tagged chaos"; exit 0; }
for dir in $(dirname $files | sort -u); do
  names=$(grep -h '^func Test' $(ls "$dir"/*_test.go | while read -r f; do grep -l '^//go:build chaos' "$f" || true; done) | sed 's/^func \(Test[A-Za-z0-9_]*\).*/\1/' | paste -sd'|')
  echo "chaos: ./$dir: $names"
  go test -race -count=1 -timeout 15m -tags chaos -run "^($names)\$" "./$dir/"
done
