#!/usr/bin/env bash
# The base images docker/Dockerfile and docker/docker-compose.yml name, on machines without a registry.
#
# For each of mcr.microsoft.com/dotnet/sdk:10.0, mcr.microsoft.com/dotnet/aspnet:10.0 and
# docker.io/library/postgres:15: an image of that name already here is used as it is (cached); else it
# is pulled; only when the pull fails is a local STAND-IN built and tagged with that name, so the
# Dockerfile and the compose file build and run unchanged:
#   - a Debian bookworm base from `debootstrap --variant=minbase`, using the Debian mirror this
#     machine's apt already uses (read from its apt sources now; PAYMENTS_DEBIAN_MIRROR overrides);
#   - .NET's native dependencies and a non-root user `app` (uid 1654, as in Microsoft's images) on it;
#   - for sdk and aspnet, a copy of this machine's own .NET install (found with `dotnet --list-sdks`),
#     the whole of it for sdk, the shared runtimes only for aspnet; rebuilt when that install changes;
#   - for postgres, Debian's postgresql 15 and an entrypoint honouring POSTGRES_USER, POSTGRES_PASSWORD,
#     POSTGRES_DB and PGDATA like the official image's.
# Stand-ins carry the label paymentactors.stand-in; `podman images --filter label=paymentactors.stand-in`
# lists them. Needs root (or sudo) for debootstrap the first time only.
# usage: scripts/container-images.sh        (engine: PAYMENTS_CONTAINER_ENGINE, else docker if it answers, else podman)
set -euo pipefail

say() { echo "container-images: $*" >&2; }

engine=${PAYMENTS_CONTAINER_ENGINE:-}
if [ -z "$engine" ]; then
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then engine=docker; else engine=podman; fi
fi
if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi

sdk_image=mcr.microsoft.com/dotnet/sdk:10.0
aspnet_image=mcr.microsoft.com/dotnet/aspnet:10.0
postgres_image=docker.io/library/postgres:15
base_image=localhost/paymentactors/debian-standin:bookworm
deps_image=localhost/paymentactors/dotnet-deps-standin:bookworm
standin_label=paymentactors.stand-in

work=$(mktemp -d "${TMPDIR:-/tmp}/container-images.XXXXXX")
cleanup() { "${sudo[@]}" rm -rf "$work"; }
trap cleanup EXIT

exists() { "$engine" image inspect "$1" >/dev/null 2>&1; }
# A pull that cannot reach its registry gives up within two minutes (no endless retries on a closed network).
pull() { timeout 120 "$engine" pull -q "$1" >/dev/null 2>&1; }
label_of() { "$engine" image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }

# The host's .NET install: its directory and a fingerprint of what it holds (SDKs and runtimes).
dotnet_root() {
  local sdk_dir
  sdk_dir=$(cd / && dotnet --list-sdks | tail -n 1 | sed -n 's/.*\[\(.*\)\]$/\1/p')
  if [ -n "$sdk_dir" ]; then dirname "$sdk_dir"; else dirname "$(readlink -f "$(command -v dotnet)")"; fi
}
dotnet_fingerprint() { (cd / && dotnet --list-sdks && dotnet --list-runtimes) | md5sum | cut -c1-16; }

# The Debian mirror of this machine's apt sources (the first one serving bookworm itself, not -security).
debian_mirror() {
  if [ -n "${PAYMENTS_DEBIAN_MIRROR:-}" ]; then echo "$PAYMENTS_DEBIAN_MIRROR"; return; fi
  local mirror
  mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
      /^[[:space:]]*$/ { if (uris != "" && suites ~ /(^| )bookworm( |$)/ && !found) { print uris; found = 1 } uris = ""; suites = ""; next }
      tolower($1) == "uris:" { uris = $2 }
      tolower($1) == "suites:" { $1 = ""; suites = $0 " " }
      END { if (uris != "" && suites ~ /(^| )bookworm( |$)/ && !found) print uris }' | head -n 1)
  if [ -z "$mirror" ]; then
    mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) bookworm .*/\2/p' | head -n 1)
  fi
  echo "${mirror:-http://deb.debian.org/debian}"
}

build() { # build TAG CONTEXT_DIR: a Containerfile in CONTEXT_DIR
  local format=()
  if [ "$engine" = podman ]; then format=(--format docker); fi
  "$engine" build "${format[@]}" -f "$2/Containerfile" -t "$1" "$2" >"$2.log" 2>&1 \
    || { tail -n 30 "$2.log" >&2; say "building $1 failed"; exit 1; }
}

ensure_base() {
  if exists "$base_image"; then return; fi
  command -v debootstrap >/dev/null 2>&1 || { say "debootstrap is missing: run scripts/container-setup.sh"; exit 1; }
  local mirror rootfs
  mirror=$(debian_mirror)
  rootfs="$work/rootfs"
  say "stand-in base: debootstrap --variant=minbase bookworm from $mirror (about a minute)"
  "${sudo[@]}" debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { cat "$work/debootstrap.log" >&2; say "debootstrap failed"; exit 1; }
  "${sudo[@]}" rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  "${sudo[@]}" tar -C "$rootfs" -c . | "$engine" import \
    --change "LABEL $standin_label=debian-bookworm-minbase" --change 'CMD ["/bin/bash"]' - "$base_image" >"$work/import.log" 2>&1 \
    || { cat "$work/import.log" >&2; say "importing the base failed"; exit 1; }
}

ensure_deps() {
  if exists "$deps_image"; then return; fi
  ensure_base
  say "stand-in: .NET's native dependencies and the user 'app' on the base"
  mkdir -p "$work/deps"
  cat > "$work/deps/Containerfile" <<EOF
FROM $base_image
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
      ca-certificates libicu72 libssl3 zlib1g libgssapi-krb5-2 libstdc++6 tzdata \\
    && rm -rf /var/lib/apt/lists/* \\
    && groupadd --gid 1654 app && useradd --uid 1654 --gid 1654 --create-home --shell /bin/false app
ENV APP_UID=1654 DOTNET_RUNNING_IN_CONTAINER=true
LABEL $standin_label=dotnet-runtime-deps
EOF
  build "$deps_image" "$work/deps"
}

# A .NET image: the deps image plus a copy of the host's .NET install (whole, or only what runs apps).
ensure_dotnet() { # ensure_dotnet IMAGE sdk|aspnet
  local image=$1 kind=$2 fingerprint root
  fingerprint="$kind-$(dotnet_fingerprint)"
  if exists "$image"; then
    local current
    current=$(label_of "$image" "$standin_label")
    if [ -z "$current" ] || [ "$current" = "<no value>" ] || [ "$current" = "$fingerprint" ]; then return; fi
    say "$image: the stand-in holds another .NET install than this machine's now: rebuilding it"
  elif pull "$image"; then
    return
  fi
  ensure_deps
  root=$(dotnet_root)
  say "STAND-IN for $image (no registry reachable): a copy of this machine's .NET from $root"
  local context="$work/$kind"
  mkdir -p "$context/dotnet"
  # Hard links when the context is on the same file system as the install (instant), else a copy.
  local parts=(dotnet host shared LICENSE.txt ThirdPartyNotices.txt)
  if [ "$kind" = sdk ]; then parts=("$root"/*); parts=("${parts[@]##*/}"); fi
  for part in "${parts[@]}"; do
    [ -e "$root/$part" ] || continue
    cp -al "$root/$part" "$context/dotnet/" 2>/dev/null || cp -a "$root/$part" "$context/dotnet/"
  done
  cat > "$context/Containerfile" <<EOF
FROM $deps_image
COPY dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
ENV DOTNET_ROOT=/usr/share/dotnet DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
LABEL $standin_label=$fingerprint \\
      org.opencontainers.image.description="STAND-IN for $image built by scripts/container-images.sh from this machine's .NET install"
EOF
  build "$image" "$context"
}

ensure_postgres() {
  local image=$postgres_image
  if exists "$image"; then return; fi
  if pull "$image"; then return; fi
  ensure_base
  say "STAND-IN for $image (no registry reachable): Debian's postgresql 15 on the stand-in base"
  local context="$work/postgres"
  mkdir -p "$context"
  cat > "$context/entrypoint.sh" <<'EOF'
#!/bin/bash
# Stand-in for the official postgres image's entrypoint: the same environment variables, first-start
# initialisation of an empty PGDATA, then the server in the foreground as the user postgres.
set -euo pipefail
export POSTGRES_USER=${POSTGRES_USER:-postgres}
export POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
export PGDATA=${PGDATA:-/var/lib/postgresql/data}
bin=$(ls -d /usr/lib/postgresql/*/bin | tail -n 1)
if [ "${1:-postgres}" = postgres ]; then shift || true; else exec "$@"; fi

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec runuser -u postgres -- "$0" postgres "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]; then
    echo "postgres stand-in: POSTGRES_PASSWORD is empty: set it (or POSTGRES_HOST_AUTH_METHOD=trust)" >&2
    exit 1
  fi
  pwfile=$(mktemp)
  printf '%s' "${POSTGRES_PASSWORD:-}" > "$pwfile"
  "$bin/initdb" -D "$PGDATA" --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 --locale=C \
    --auth-local=trust --auth-host="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >/dev/null
  rm -f "$pwfile"
  echo "host all all all ${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >> "$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    "$bin/pg_ctl" -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    "$bin/psql" -v ON_ERROR_STOP=1 -q --username="$POSTGRES_USER" --dbname=postgres \
      -c "CREATE DATABASE \"$POSTGRES_DB\"" >/dev/null
    "$bin/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  echo "postgres stand-in: initialised $PGDATA (user $POSTGRES_USER, database $POSTGRES_DB)"
fi
exec "$bin/postgres" -D "$PGDATA" -c listen_addresses='*' "$@"
EOF
  cat > "$context/Containerfile" <<EOF
FROM $base_image
RUN mkdir -p /etc/postgresql-common \\
    && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf \\
    && apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \\
    && rm -rf /var/lib/apt/lists/*
COPY entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 0755 /usr/local/bin/docker-entrypoint.sh
ENV PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["postgres"]
LABEL $standin_label=postgres-15 \\
      org.opencontainers.image.description="STAND-IN for $image built by scripts/container-images.sh from Debian's postgresql"
EOF
  build "$image" "$context"
}

ensure_dotnet "$sdk_image" sdk
ensure_dotnet "$aspnet_image" aspnet
ensure_postgres

for image in "$sdk_image" "$aspnet_image" "$postgres_image"; do
  kind=$(label_of "$image" "$standin_label")
  if [ -n "$kind" ] && [ "$kind" != "<no value>" ]; then
    say "$image: STAND-IN built here ($kind), not the published image"
  else
    say "$image: the published image"
  fi
done
