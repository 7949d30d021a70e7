#!/usr/bin/env bash
# Stops exactly what scripts/cluster-up.sh started: its nodes (gracefully) and its PostgreSQL.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=${PAYMENTS_CLUSTER_DIR:-$root/.cluster}
if [ -f "$state/pids" ]; then
  pids=$(cat "$state/pids")
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 1 30); do
    alive=0
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 1
  done
  kill -KILL $pids 2>/dev/null || true
  rm -f "$state/pids"
fi
if [ -f "$state/postgres-dir" ]; then
  "$root/scripts/pg-down.sh" "$(cat "$state/postgres-dir")"
  rm -rf "$(cat "$state/postgres-dir")" "$state/postgres-dir"
fi
echo "stopped; logs kept in $state/logs"
