#!/usr/bin/env bash
# Runs graphql-http's server audit (the GraphQL-over-HTTP spec's MUSTs and
# SHOULDs) against a real server on the embedded default in a fresh data
# dir. Fails on any error or warning; optional (MAY) gaps are only printed.
# Installs the pinned graphql-http with npm ci.
set -euo pipefail
cd "$(dirname "$0")/.."

(cd .ci/audit && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)

. scripts/lib/embedded.sh

node .ci/audit/audit.mjs "$base/graphql" || { dump_log; exit 1; }
