#!/usr/bin/env bash
# Stops a server started by scripts/pg-up.sh DIR (and keeps its files; delete DIR to discard them).
# usage: scripts/pg-down.sh DIR [fast|immediate]   (immediate: a crash stop, no checkpoint, clients cut)
set -euo pipefail
dir=$(cd "$1" && pwd)
mode=${2:-fast}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ "$(id -u)" = 0 ]; then
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir/pgdata" -m "$mode" -w stop >/dev/null || true
else
  "$bin/pg_ctl" -D "$dir/pgdata" -m "$mode" -w stop >/dev/null || true
fi
