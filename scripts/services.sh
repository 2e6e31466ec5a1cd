#!/usr/bin/env bash
# Makes sure MariaDB and Redis answer on 127.0.0.1 for the tests and benches:
# installs them (and nginx, for the fleet tests) from Debian's packages when
# missing, starts them when down,
# and lets root in over TCP without a password (a fresh Debian install only
# allows the unix socket). Safe to run any number of times.
set -euo pipefail

MYSQL_HOST=127.0.0.1
REDIS_PORT=6379

say() { printf '[services] %s\n' "$*"; }

mariadb_up() { mariadb -uroot -h"$MYSQL_HOST" -e 'select 1' >/dev/null 2>&1; }
redis_up() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=0
[ -x /usr/sbin/mariadbd ] || command -v mariadbd >/dev/null 2>&1 || missing=1
command -v redis-server >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  say "installing mariadb-server and redis-server from Debian"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq mariadb-server redis-server >/dev/null
fi
# The fleet tests (internal/fleet) run deploy/nginx's config in Debian's
# nginx; they start their own, so the package's service is left stopped.
if [ ! -x /usr/sbin/nginx ]; then
  say "installing nginx from Debian"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nginx >/dev/null
fi

if ! mariadb_up; then
  say "starting MariaDB"
  as_root mkdir -p /run/mysqld
  as_root chown mysql:mysql /run/mysqld 2>/dev/null || true
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
  for _ in $(seq 1 60); do
    if mariadb_up || as_root mariadb -uroot -e 'select 1' >/dev/null 2>&1; then break; fi
    sleep 1
  done
  if ! mariadb_up; then
    # Fresh install: root authenticates by unix socket only. Allow TCP
    # without a password, as the tests expect (docs/TESTING.md).
    say "allowing root over TCP"
    as_root mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;"
  fi
  mariadb_up || { say "MariaDB does not answer on $MYSQL_HOST:3306"; exit 1; }
fi

if ! redis_up; then
  say "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no >/dev/null
  for _ in $(seq 1 30); do redis_up && break; sleep 0.5; done
  redis_up || { say "Redis does not answer on 127.0.0.1:$REDIS_PORT"; exit 1; }
fi

# Many parallel tests each open a pool; the default 151 connections is tight.
mariadb -uroot -h"$MYSQL_HOST" -e 'SET GLOBAL max_connections = GREATEST(@@max_connections, 1000)' >/dev/null 2>&1 || true
say "MariaDB $(mariadb -uroot -h"$MYSQL_HOST" -N -e 'select version()') and Redis $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" info server | sed -n 's/^redis_version:\(.*\)\r*/\1/p' | tr -d '\r') are up"
