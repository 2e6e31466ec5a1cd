# Sourced by the browser and HTTP checks: builds the server and starts it on
# the embedded default (SQLite in a fresh data dir, an in-process Redis) on
# a free port. Sets $work (removed at exit), $base (http://127.0.0.1:<port>)
# and dump_log (prints the server's log; call it when a check fails).
work=$(mktemp -d)
trap 'kill "${pid:-}" 2>/dev/null || true; wait "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/storefront" ./cmd/storefront
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env -u STOREFRONT_MYSQL_DSN -u STOREFRONT_REDIS_ADDR \
  "$work/storefront" -addr "127.0.0.1:$port" -data-dir "$work/data" >"$work/server.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port"
dump_log() { echo "--- server log"; cat "$work/server.log"; }
for _ in $(seq 1 100); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$base/readyz" >/dev/null || { dump_log; exit 1; }
