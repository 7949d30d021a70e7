#!/bin/bash
# The container's health: the node's readiness endpoint answers 200 (GET /readyz; a node without that
# endpoint: GET /cluster answers 200). bash's /dev/tcp only: the runtime image has no curl.
port=${PAYMENTS_HTTP_PORT:-8080}

status() { # status PATH: the HTTP status code of GET PATH on this node
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&3
  local line
  read -r -t 3 line <&3 || line=""
  exec 3<&-
  set -- $line
  echo "${2:-000}"
}

case $(status /readyz) in
  200) exit 0 ;;
  404) [ "$(status /cluster)" = 200 ] ;;
  *) exit 1 ;;
esac
