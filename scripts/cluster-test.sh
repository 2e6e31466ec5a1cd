#!/usr/bin/env bash
# Runs the suites of the packages whose scripts and multi-key commands must
# stay within one hash slot on a 3-master Redis Cluster, which the tests
# start themselves from redis-server (testenv.StartRedisCluster, one per
# test binary, stopped at its end): the cart (guest merges across slots
# too), orders (cart staging and removal, through the whole app on
# -redis-addr host1,host2,host3), the login throttle and sessions, SMS codes.
# `make test` runs the same suites on the single Redis.
set -euo pipefail
cd "$(dirname "$0")/.."

# MariaDB for the order suite, and redis-server and redis-cli installed.
bash scripts/services.sh
command -v redis-cli >/dev/null || { echo "cluster-test: redis-cli missing (Debian's redis-tools)"; exit 1; }

# The nodes' nodes.conf directories go here, whatever happens to the run.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TMPDIR=$tmp STOREFRONT_TEST_REDIS_CLUSTER=1 go test -race -count=1 -timeout 15m \
  ./internal/testenv/ ./internal/cart/ ./internal/order/ ./internal/auth/ ./internal/smscode/
