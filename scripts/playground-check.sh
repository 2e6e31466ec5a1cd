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

. scripts/lib/embedded.sh

export PLAYGROUND_QUERY='{ searchSkus(query: "Nimbus 16", first: 2, orderBy: PRICE_DESC) { totalCount edges { node { name price } } } }'
export PLAYGROUND_EXPECT='Nimbus 16 64 GB'
node .ci/playground/check.mjs "$base/" || { dump_log; exit 1; }
