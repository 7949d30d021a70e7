#!/usr/bin/env bash
# The compose cluster (docker/docker-compose.yml), secured, built, started and checked end to end:
#   0. the secrets: a CA, a certificate + key per node (host names node0, node1, node2: the compose service
#      names) and API keys, made by the node's own `certs` verb into docker/secrets/ (git-ignored; kept when a
#      complete set is there already, so a cluster started by hand from it keeps working);
#   1. an engine: docker compose where a Docker engine answers, else podman-compose (installed and set up
#      by scripts/container-setup.sh); the base images (scripts/container-images.sh: stand-ins where no
#      registry is reachable; cached between runs);
#   2. the node image from docker/Dockerfile (layers and the NuGet cache reused between runs);
#   3. `up -d`: PostgreSQL and three nodes with mutual TLS between them (no PAYMENTS_INSECURE); waits until
#      each node is ready (GET /readyz where the node has it, else GET /cluster showing three Up members);
#   4. over HTTPS (curl --cacert docker/secrets/ca.pem, the node's certificate checked under its service name):
#      checks that a request without a key is refused (401), submits a transaction through node0's HTTP API
#      with the ingest key (POST /transactions) and reads it back through node1 with the read key
#      (GET /accounts/{id});
#   5. stops node2 and checks that node0 and node1 still answer: a second transaction through node1, read
#      back through node0;
#   6. `down`: removes the containers, networks and the PostgreSQL volume it made (keeps the images).
# Exit code 0 only if all of that held; on failure the nodes' logs are printed.
# Host ports: free ones from 18080 up (PAYMENTS_NODE0_HTTP, … override). Deadlines: PAYMENTS_COMPOSE_TIMEOUT
# seconds (default 300) for the cluster to come up, and for each check.
# usage: scripts/compose-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
project=paymentactors-check
compose_file=docker/docker-compose.yml
image=paymentactors-node:local
timeout=${PAYMENTS_COMPOSE_TIMEOUT:-300}
logs=.cluster/compose-check
mkdir -p "$logs"
started=$SECONDS

say() { echo "compose-check [$((SECONDS - started))s]: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

engine=$(scripts/container-setup.sh | tail -n 1)
export PAYMENTS_CONTAINER_ENGINE=$engine
if [ "$engine" = docker ]; then
  compose=(docker compose -p "$project" -f "$compose_file")
else
  compose=(podman-compose -p "$project" -f "$compose_file")
fi
command -v curl >/dev/null 2>&1 || fail "curl is missing (apt-get install curl)"

# The secrets, made by the node's own verb (docs/SECURITY.md). The containers run as the image's user `app`
# and read the files through a read-only bind mount: the node keys and the key hashes must be readable by it,
# so they are made world-readable; the CA key, the client key and the plain API keys stay owner-only.
secrets=docker/secrets
secret_files=(ca.pem node0.pem node0-key.pem node1.pem node1-key.pem node2.pem node2-key.pem api-keys.txt api-keys.env)
complete=true
for file in "${secret_files[@]}"; do [ -f "$secrets/$file" ] || complete=false; done
if [ "$complete" = true ]; then
  say "secrets: using the ones in $secrets/"
else
  say "secrets: certs --out $secrets --nodes 3 --hosts node0,node1,node2"
  command -v dotnet >/dev/null 2>&1 || fail "dotnet is missing: the secrets are made by 'dotnet run --project src/PaymentActors.Node -- certs'"
  dotnet run --project src/PaymentActors.Node -- certs --out "$secrets" --nodes 3 --hosts node0,node1,node2 >"$logs/certs.log" 2>&1 \
    || { cat "$logs/certs.log" >&2; fail "the certs verb failed"; }
fi
chmod 0755 "$secrets"
chmod a+r "$secrets"/ca.pem "$secrets"/node?.pem "$secrets"/node?-key.pem "$secrets"/api-keys.txt
# shellcheck disable=SC1091
source "$secrets/api-keys.env"
[ -n "${PAYMENTS_API_KEY_INGEST:-}" ] && [ -n "${PAYMENTS_API_KEY_READ:-}" ] || fail "$secrets/api-keys.env: no ingest or read key"

say "base images ($engine)"
scripts/container-images.sh

say "building $image from docker/Dockerfile"
build=("$engine" build -f docker/Dockerfile -t "$image")
if [ "$engine" = podman ]; then
  build+=(--format docker)
  # NuGet over TLS from inside the build trusts what this machine trusts (e.g. an intercepting proxy's CA).
  ca=/etc/ssl/certs/ca-certificates.crt
  if [ -f "$ca" ]; then build+=(-v "$ca:$ca:ro"); fi
fi
if [ -n "${NUGET_CERT_REVOCATION_MODE:-}" ]; then build+=(--build-arg "NUGET_CERT_REVOCATION_MODE=$NUGET_CERT_REVOCATION_MODE"); fi
"${build[@]}" . >"$logs/build.log" 2>&1 || { tail -n 40 "$logs/build.log" >&2; fail "image build failed (log: $logs/build.log)"; }
# Each change under src/ leaves the previous build's intermediate images behind: drop those older than two days.
"$engine" image prune -f --filter until=48h >/dev/null 2>&1 || true

# Free host ports for the three nodes' HTTP (nothing listening there on 127.0.0.1).
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
candidate=18080
ports=()
for i in 0 1 2; do
  variable=PAYMENTS_NODE${i}_HTTP
  if [ -z "${!variable:-}" ]; then
    while ! port_free "$candidate"; do candidate=$((candidate + 1)); done
    printf -v "$variable" '%s' "$candidate"
    candidate=$((candidate + 1))
  fi
  ports[i]=${!variable}
  export "${variable?}"
done
export PAYMENTS_PUBLISH_ADDRESS=127.0.0.1
url() { echo "https://node$1:${ports[$1]}"; }
# https NODE KEY CURL-ARGS…: curl against NODE's published port over HTTPS, the certificate checked against the
# cluster CA under the service name (which --resolve points at 127.0.0.1), with KEY as bearer (none: "-").
https() {
  local node=$1 key=$2
  shift 2
  local auth=()
  if [ "$key" != - ]; then auth=(-H "Authorization: Bearer $key"); fi
  curl -s --cacert "$secrets/ca.pem" --resolve "node$node:${ports[$node]}:127.0.0.1" "${auth[@]}" "$@"
}

# The container of a compose service (both engines label them the same way).
container() {
  "$engine" ps -a -q --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=$1" | head -n 1
}

down() {
  "${compose[@]}" down -v >>"$logs/compose.log" 2>&1 || true
  if [ "$engine" = podman ]; then
    # podman-compose 1.0 leaves its networks behind: remove the ones labelled with this project.
    for network in $(podman network ls -q --filter "label=io.podman.compose.project=$project" 2>/dev/null); do
      podman network rm -f "$network" >>"$logs/compose.log" 2>&1 || true
    done
  fi
}
finish() {
  local code=$?
  if [ "$code" != 0 ]; then
    for service in node0 node1 node2 postgres; do
      echo "----- last lines of $service -----" >&2
      "$engine" logs --tail 30 "$(container "$service")" >&2 2>&1 || true
    done
  fi
  say "down: removing the containers, networks and volume of $project"
  down
  say "$([ "$code" = 0 ] && echo PASSED || echo FAILED) in $((SECONDS - started)) s"
  exit "$code"
}

: > "$logs/compose.log"
down   # what an interrupted earlier run may have left
trap finish EXIT
trap 'exit 130' INT TERM

# eventually DESCRIPTION COMMAND…: runs COMMAND every 2 s until it succeeds or the deadline passes.
eventually() {
  local description=$1 deadline=$((SECONDS + timeout))
  shift
  until "$@"; do
    if [ "$SECONDS" -ge "$deadline" ]; then fail "$description: not within $timeout s"; fi
    sleep 2
  done
}

# The container's health: docker runs the image's or the compose file's health check itself; podman runs
# health checks from systemd timers, absent on machines without systemd: it runs once by hand there.
healthy() {
  local id
  id=$(container "$1")
  [ -n "$id" ] || return 1
  if [ "$engine" = podman ]; then
    podman healthcheck run "$id" >/dev/null 2>&1
  else
    [ "$(docker inspect --format '{{.State.Health.Status}}' "$id")" = healthy ]
  fi
}

# PostgreSQL first, and the nodes once it answers (podman-compose 1.0 does not wait for a healthy dependency).
say "up: PostgreSQL"
"${compose[@]}" up -d postgres >>"$logs/compose.log" 2>&1 || { tail -n 30 "$logs/compose.log" >&2; fail "up postgres failed (log: $logs/compose.log)"; }
eventually "PostgreSQL's container health check" healthy postgres
say "up: three nodes; HTTP on 127.0.0.1:${ports[0]}, ${ports[1]}, ${ports[2]}"
"${compose[@]}" up -d >>"$logs/compose.log" 2>&1 || { tail -n 30 "$logs/compose.log" >&2; fail "up failed (log: $logs/compose.log)"; }

# A node is ready when GET /readyz answers 200; a node without /readyz (404): when GET /cluster lists
# at least N members Up with the role payments.
ready() { # ready NODE N
  local code
  code=$(https "$1" - -o /dev/null -w '%{http_code}' --max-time 5 "$(url "$1")/readyz" || true)
  case $code in
    200) return 0 ;;
    404) [ "$(https "$1" "$PAYMENTS_API_KEY_READ" --max-time 5 "$(url "$1")/cluster" | grep -o '"status":"Up","roles":\["payments"\]' | wc -l)" -ge "$2" ] ;;
    *) return 1 ;;
  esac
}
all_ready() { ready 0 3 && ready 1 3 && ready 2 3; }
eventually "three nodes ready" all_ready
# Members of each other over mutual TLS: node0 lists all three under the TLS transport's scheme.
tls_members() {
  [ "$(https 0 "$PAYMENTS_API_KEY_READ" --max-time 5 "$(url 0)/cluster" | grep -o '"address":"akka.ssl.tcp://payments@node[012]:4053","status":"Up"' | wc -l)" -eq 3 ]
}
eventually "three members Up over akka.ssl.tcp" tls_members
say "three nodes are Up, members over akka.ssl.tcp (mutual TLS)"

# The image's own health check (docker/healthcheck.sh) agrees.
eventually "the nodes' container health checks" eval 'healthy node0 && healthy node1 && healthy node2'
say "the nodes' container health checks pass"

run_id="$(date +%s)-$$"
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# submit NODE ID ACCOUNT MINOR: POST /transactions with one CASH_IN of MINOR cents; true once Approved.
# A retry sends the same body (same id, same time), so one that was applied already answers Approved again.
submit() {
  local amount
  amount=$(printf '%d.%02d' $(($4 / 100)) $(($4 % 100)))
  printf '{"id":"%s","account":"%s","type":"CASH_IN","amount":"%s","currency":"EUR","timestamp":"%s"}\n' \
      "$2" "$3" "$amount" "$stamp" \
    | https "$1" "$PAYMENTS_API_KEY_INGEST" --max-time 30 -H 'Content-Type: application/x-ndjson' --data-binary @- "$(url "$1")/transactions" \
    > "$logs/submit-$2.out" || return 1
  grep -q "\"transactionId\":\"$2\".*\"status\":\"Approved\"" "$logs/submit-$2.out"
}
# balance_is NODE ACCOUNT MINOR ID: GET /accounts/ACCOUNT answers the balance and lists the transaction.
balance_is() {
  local body
  body=$(https "$1" "$PAYMENTS_API_KEY_READ" --max-time 10 "$(url "$1")/accounts/$2") || return 1
  [[ $body == *"\"balanceMinor\":$3,"* && $body == *"\"$4\""* ]]
}

# Secured: plain HTTP is not answered, and HTTPS without a key, or with the read key on POST, is refused.
status_of() { # status_of NODE KEY PATH [CURL-ARGS…]
  local node=$1 key=$2 path=$3
  shift 3
  https "$node" "$key" -o /dev/null -w '%{http_code}' --max-time 10 "$@" "$(url "$node")$path" || true
}
[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:${ports[0]}/cluster" || true)" != 200 ] \
  || fail "node0 answered plain HTTP"
[ "$(status_of 0 - /cluster)" = 401 ] || fail "GET /cluster without a key was not refused with 401"
[ "$(status_of 0 "$PAYMENTS_API_KEY_READ" /transactions -X POST --data-binary '')" = 403 ] \
  || fail "POST /transactions with the read key was not refused with 403"
say "HTTPS only; no key: 401; read key on POST /transactions: 403"

account="COMPOSE-$run_id"
eventually "a transaction submitted through node0" submit 0 "cc-$run_id-1" "$account" 1234
say "node0 approved transaction cc-$run_id-1 (CASH_IN 12.34 EUR to $account)"
eventually "the transaction read back through node1" balance_is 1 "$account" 1234 "cc-$run_id-1"
say "node1 shows $account with balance 12.34 EUR"

say "stopping node2"
"${compose[@]}" stop node2 >>"$logs/compose.log" 2>&1 || fail "could not stop node2"
# up_members NODE N: GET /cluster on NODE lists exactly N members Up.
up_members() {
  [ "$(https "$1" "$PAYMENTS_API_KEY_READ" --max-time 5 "$(url "$1")/cluster" | grep -o '"status":"Up"' | wc -l)" -eq "$2" ]
}
eventually "node0 seeing node2 gone (two members Up)" up_members 0 2
eventually "a second transaction through node1 with node2 stopped" submit 1 "cc-$run_id-2" "$account" 766
eventually "both transactions read back through node0 with node2 stopped" balance_is 0 "$account" 2000 "cc-$run_id-2"
eventually "node1 answering with node2 stopped" balance_is 1 "$account" 2000 "cc-$run_id-1"
say "node0 and node1 still answer without node2 (two members Up; balance 20.00 EUR)"
