#!/usr/bin/env bash
# Quick start 1: set everything up, then start the embedded portal — `yarn start` builds the frontend when its
# inputs changed (scripts/build-app.mjs) and serves it with the backend on one origin, 127.0.0.1 only, the
# development guest signed in without a login — and print its URL once it answers and the catalog holds the microservice template. PORTAL_PORT picks
# another port than 7007.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh

port="${PORTAL_PORT:-7007}"
url="http://127.0.0.1:${port}"
if [ -n "${PORTAL_PORT:-}" ]; then
  export APP_CONFIG_backend_listen_port="$port" APP_CONFIG_backend_baseUrl="$url" \
    APP_CONFIG_app_baseUrl="$url" APP_CONFIG_backend_cors_origin="$url"
fi

corepack yarn start &
backend=$!
trap 'kill -TERM "$backend" 2>/dev/null; wait "$backend"' INT TERM
if node scripts/wait-for-portal.mjs "$url" "$backend"; then
  echo
  echo "Portal ready: ${url}  (bound to 127.0.0.1, development sign-in: the guest, no login)"
  echo "  Create a service: ${url}/create  →  Production-grade microservice  →  Choose"
  echo
else
  kill -TERM "$backend" 2>/dev/null || true
fi
wait "$backend"
