#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need from Debian's packages
# (with sudo when not root), then runs every test project. `.ci/run` calls exactly this.
# usage: scripts/test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# What the tests need, as "check-command:debian-package" pairs; a check that fails installs the package.
requirements=(
  "ls /usr/lib/postgresql/*/bin/initdb:postgresql"   # multi-node and outage tests start a real PostgreSQL server
  "command -v chromium:chromium"                     # the dashboard test drives a real headless Chromium
)

missing=()
for requirement in "${requirements[@]}"; do
  check=${requirement%:*}
  package=${requirement##*:}
  if ! bash -c "$check" >/dev/null 2>&1; then missing+=("$package"); fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing from Debian's packages: ${missing[*]}" >&2
  if [ "$(id -u)" = 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "test.sh: missing ${missing[*]} and neither root nor sudo is available; install them with apt-get and run again" >&2
    exit 1
  fi
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

dotnet test PaymentActors.sln "$@"
