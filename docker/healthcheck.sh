#!/bin/bash
# The container's health: the node's readiness endpoint answers 200 (GET /readyz; a node without that
# endpoint: GET /cluster answers 200). A secured node (PAYMENTS_TLS_CA set, not PAYMENTS_INSECURE) answers
# HTTPS only: its certificate is checked against the cluster CA under the node's own name (PAYMENTS_HOST),
# which --resolve points at 127.0.0.1. /readyz needs no credential; /cluster does, so the fallback
# counts 401 as "the API answers".
port=${PAYMENTS_HTTP_PORT:-8080}
host=${PAYMENTS_HOST:-localhost}
insecure=${PAYMENTS_INSECURE:-false}

if [ -n "${PAYMENTS_TLS_CA:-}" ] && [ "$insecure" != true ] && [ "$insecure" != 1 ]; then
  tls=(--cacert "$PAYMENTS_TLS_CA" --resolve "$host:$port:127.0.0.1")
  base="https://$host:$port"
else
  tls=()
  base="http://127.0.0.1:$port"
fi

status() { # status PATH: the HTTP status code of GET PATH on this node
  curl -s -o /dev/null -w "%{http_code}" --max-time 3 "${tls[@]}" "$base$1"
}

case $(status /readyz) in
  200) exit 0 ;;
  404) case $(status /cluster) in 200 | 401) exit 0 ;; *) exit 1 ;; esac ;;
  *) exit 1 ;;
esac
