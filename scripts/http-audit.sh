#!/usr/bin/env bash
# Runs graphql-http's server audit (the GraphQL-over-HTTP spec's MUSTs and
# SHOULDs) against a real server on the embedded default in a fresh data
# dir. Fails on any error or warning; optional (MAY) gaps are only printed.
# Installs the pinned graphql-http with npm ci.
set -euo pipefail
cd "$(dirname "$0")/.."

(cd .ci/audit && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)

work=$(mktemp -d)
trap 'kill "${pid:-}" 2>/dev/null || true; wait "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/storefront" ./cmd/storefront
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# Embedded default: SQLite in a fresh data dir and an in-process Redis.
env -u STOREFRONT_MYSQL_DSN -u STOREFRONT_REDIS_ADDR \
  "$work/storefront" -addr "127.0.0.1:$port" -data-dir "$work/data" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$work/server.log"; exit 1; }

node .ci/audit/audit.mjs "http://127.0.0.1:$port/graphql" || { echo "--- server log"; cat "$work/server.log"; exit 1; }
