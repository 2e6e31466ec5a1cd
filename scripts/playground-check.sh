#!/usr/bin/env bash
# Opens the playground of a real server (embedded default, demo catalog) in
# headless Chromium with every non-local request blocked, runs a catalog
# query through the GraphiQL UI and checks the answer. Installs Debian's
# chromium and the pinned playwright-core when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "[playground] installing Debian's chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
(cd .ci/playground && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)

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

export PLAYGROUND_QUERY='{ skus(first: 2, orderBy: {field: PRICE, direction: DESC}) { totalCount edges { node { name price } } } }'
export PLAYGROUND_EXPECT='Nimbus 16 64 GB'
node .ci/playground/check.mjs "http://127.0.0.1:$port/" || { echo "--- server log"; cat "$work/server.log"; exit 1; }
