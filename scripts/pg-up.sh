#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on 127.0.0.1 for a local cluster or the tests.
# usage: scripts/pg-up.sh DIR [PORT]
# Prints the Npgsql connection string on stdout; stop it with scripts/pg-down.sh DIR.
set -euo pipefail
dir=$(mkdir -p "$1" && cd "$1" && pwd)
port=${2:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "PostgreSQL server binaries not found: apt-get install postgresql" >&2
  exit 1
fi
# initdb refuses to run as root: run the server as the postgres system user then.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then chown -R postgres "$dir"; fi
if [ ! -f "$dir/pgdata/PG_VERSION" ]; then
  as_owner "$bin/initdb" -D "$dir/pgdata" -U payments --auth=trust -E UTF8 >"$dir/initdb.log"
fi
as_owner "$bin/pg_ctl" -D "$dir/pgdata" -l "$dir/postgres.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=128MB" start >/dev/null
as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U payments -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='payments'" | grep -q 1 \
  || as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U payments payments
echo "Host=127.0.0.1;Port=$port;Database=payments;Username=payments;Maximum Pool Size=40"
