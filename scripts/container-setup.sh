#!/usr/bin/env bash
# Makes this machine able to build and run the compose cluster (docker/docker-compose.yml):
#   - a Docker engine that answers (`docker info`) is used as it is: nothing is installed or changed;
#   - otherwise Debian's podman and podman-compose are installed (with runc, uidmap, slirp4netns,
#     fuse-overlayfs and debootstrap, which scripts/container-images.sh uses), with sudo when not root,
#     and /etc/containers/containers.conf gets the two settings podman needs on these machines, only
#     where they are not set yet (running this again changes nothing):
#       [engine]     runtime = "runc"      crun fails where cgroups run in hybrid (v1) mode
#       [containers] default_ulimits       podman's default open-files limit (1048576) is above what root
#                                          may set on machines with a lower hard limit: the machine's own
#                                          hard limits are used instead
# Prints the engine to use ("docker" or "podman") on its last line of stdout.
set -euo pipefail

say() { echo "container-setup: $*" >&2; }

if [ "$(id -u)" = 0 ]; then sudo=(); elif command -v sudo >/dev/null 2>&1; then sudo=(sudo); else sudo=(); fi

if [ "${PAYMENTS_CONTAINER_ENGINE:-}" != podman ] && command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 \
   && docker compose version >/dev/null 2>&1; then
  say "a Docker engine answers: using docker compose"
  echo docker
  exit 0
fi

packages=(podman podman-compose runc uidmap slirp4netns fuse-overlayfs debootstrap)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] && [ ${#sudo[@]} -eq 0 ]; then
    say "missing ${missing[*]} and neither root nor sudo is available; install them with apt-get and run again"
    exit 1
  fi
  say "installing from Debian's packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# containers.conf: add each setting to its section unless the key is already set there (by us or by hand).
conf=/etc/containers/containers.conf
nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
ulimits=()
# podman asks for nofile=1048576 by default; where root may not go that high, ask for what it may.
if [ "$nofile" != unlimited ] && [ "$nofile" -lt 1048576 ]; then ulimits+=("\"nofile=$nofile:$nofile\""); fi
if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
ulimits+=("\"nproc=$nproc:$nproc\"")

# has_key SECTION KEY: the key is set (not commented out) inside [SECTION] of the file.
has_key() {
  [ -f "$conf" ] && awk -v section="[$1]" -v key="$2" '
    /^[[:space:]]*\[/ { current = $1 }
    current == section && $0 ~ "^[[:space:]]*" key "[[:space:]]*=" { found = 1 }
    END { exit found ? 0 : 1 }' "$conf"
}

# add_key SECTION LINE: the line goes right under the section header, or into a new section at the end.
add_key() {
  local tmp
  tmp=$(mktemp)
  if [ -f "$conf" ] && grep -q "^[[:space:]]*\[$1\][[:space:]]*$" "$conf"; then
    awk -v section="$1" -v line="$2" '
      { print }
      $0 ~ "^[[:space:]]*\\[" section "\\][[:space:]]*$" && !done { print line; done = 1 }' "$conf" > "$tmp"
  else
    { [ -f "$conf" ] && cat "$conf" && echo; printf '[%s]\n%s\n' "$1" "$2"; } > "$tmp"
  fi
  "${sudo[@]}" install -D -m 0644 "$tmp" "$conf"
  rm -f "$tmp"
}

changed=0
if ! has_key engine runtime; then
  add_key engine 'runtime = "runc"   # added by scripts/container-setup.sh: crun fails with cgroups in hybrid mode'
  changed=1
fi
if ! has_key containers default_ulimits; then
  add_key containers "default_ulimits = [$(IFS=,; echo "${ulimits[*]}")]   # added by scripts/container-setup.sh: podman's defaults exceed root's hard limits here"
  changed=1
fi
if [ "$changed" = 1 ]; then say "$conf: set the runtime and default ulimits podman needs here"; fi

if ! podman info >/dev/null 2>&1; then
  say "podman is installed but 'podman info' fails:"
  podman info >&2 || true
  exit 1
fi
echo podman
