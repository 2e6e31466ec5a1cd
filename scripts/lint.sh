#!/usr/bin/env bash
# The checks CI runs besides the tests. Fails if generation changes the tree,
# if gofmt lists a file, if go vet complains, or if golangci-lint (pinned in
# go.mod as a tool, configured by .golangci.yml) finds anything. Its first
# run builds it from source: minutes on two cores; later runs are cached.
set -euo pipefail
cd "$(dirname "$0")/.."

snapshot() { git status --porcelain; git diff; }
before=$(snapshot | sha256sum)
go generate ./...
go mod tidy
if [ "$(snapshot | sha256sum)" != "$before" ]; then
  echo 'go generate ./... or go mod tidy changed the tree; commit what they produce:'
  git status --porcelain
  exit 1
fi
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt -l lists:"; echo "$unformatted"; exit 1
fi
go vet ./...
go vet -tags chaos ./...
go tool golangci-lint run
echo "lint: go generate leaves the tree unchanged, gofmt clean, go vet and golangci-lint clean"
