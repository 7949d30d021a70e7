#!/usr/bin/env bash
# Starts a local PaymentActors cluster: a throwaway PostgreSQL on 127.0.0.1 and N nodes
# (remoting with mutual TLS on 4053, 4054, …; HTTPS on 8080, 8081, …). Returns once all N are Up.
# Certificates and API keys (fresh each time, from `paymentactors certs`) go to .cluster/secrets/.
# usage: scripts/cluster-up.sh [N]      stop with: scripts/cluster-down.sh
set -euo pipefail
n=${1:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
state=${PAYMENTS_CLUSTER_DIR:-$root/.cluster}
if [ -f "$state/pids" ]; then
  echo "a cluster started from $state is still running: scripts/cluster-down.sh first" >&2
  exit 1
fi
mkdir -p "$state/logs"
pg_port=${PAYMENTS_PG_PORT:-55432}
connection=$("$root/scripts/pg-up.sh" "$state/postgres" "$pg_port")
echo "$state/postgres" > "$state/postgres-dir"

dotnet build -c Release "$root/src/PaymentActors.Node" -o "$state/bin" >"$state/logs/build.log" 2>&1 \
  || { echo "build failed: see $state/logs/build.log" >&2; exit 1; }

secrets="$state/secrets"
rm -rf "$secrets"
dotnet "$state/bin/paymentactors.dll" certs --out "$secrets" --nodes "$n" --hosts 127.0.0.1,localhost >"$state/logs/certs.log" 2>&1 \
  || { echo "certs failed: see $state/logs/certs.log" >&2; exit 1; }
chmod 700 "$secrets"
read_key=$(grep '^PAYMENTS_API_KEY_READ=' "$secrets/api-keys.env" | cut -d= -f2)

seeds=""
for i in $(seq 0 $((n - 1))); do
  seeds="${seeds:+$seeds,}akka.tcp://payments@127.0.0.1:$((4053 + i))"
done
: > "$state/pids"
for i in $(seq 0 $((n - 1))); do
  PAYMENTS_PORT=$((4053 + i)) PAYMENTS_HTTP_PORT=$((8080 + i)) PAYMENTS_SEEDS="$seeds" \
  PAYMENTS_DB=postgres PAYMENTS_CONNECTION="$connection" PAYMENTS_HOST=127.0.0.1 \
  PAYMENTS_TLS_CERT="$secrets/node$i.pem" PAYMENTS_TLS_KEY="$secrets/node$i-key.pem" PAYMENTS_TLS_CA="$secrets/ca.pem" \
  PAYMENTS_API_KEYS="$secrets/api-keys.txt" \
    nohup dotnet "$state/bin/paymentactors.dll" node >"$state/logs/node$i.log" 2>&1 &
  echo $! >> "$state/pids"
  if [ "$i" -eq 0 ] && [ "$n" -gt 1 ]; then
    # The first seed alone until it is ready: on a fresh database, nodes starting at once race to create the
    # journal's tables and PostgreSQL refuses the loser (an ERROR in its log, then a retry).
    for attempt in $(seq 1 90); do
      curl -sf -o /dev/null --cacert "$secrets/ca.pem" "https://127.0.0.1:8080/readyz" && break
      sleep 1
    done
  fi
done

echo "logs: $state/logs"
for attempt in $(seq 1 120); do
  # Every node ready (/readyz: an Up member whose journal, singletons and ingestion answer), not merely listed as Up.
  ready=0
  for i in $(seq 0 $((n - 1))); do
    if curl -sf -o /dev/null --cacert "$secrets/ca.pem" "https://127.0.0.1:$((8080 + i))/readyz"; then ready=$((ready + 1)); fi
  done
  if [ "$ready" -ge "$n" ]; then
    echo "cluster up: $n nodes; HTTPS on 127.0.0.1:8080..$((8080 + n - 1)); contact akka.ssl.tcp://payments@127.0.0.1:4053"
    echo "connection: $connection"
    echo "secrets: $secrets (ca.pem, node*.pem, client.pem + client-key.pem for the CLI, api-keys.env with the API keys)"
    exit 0
  fi
  sleep 1
done
echo "the cluster did not become ready within 120 s; see $state/logs" >&2
exit 1
