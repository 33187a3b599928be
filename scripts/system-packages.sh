#!/usr/bin/env bash
# Debian packages the conformance tier needs on a fresh machine: PostgreSQL server binaries for its throw-away
# clusters and openssl for their TLS certificate. Installed only when missing, and only as root (as on these
# machines); elsewhere the tier reports what it skipped and why.
_missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || _missing+=(postgresql)
command -v openssl >/dev/null || _missing+=(openssl)
if [ "${#_missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${_missing[*]} from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${_missing[@]}" >/dev/null \
      || echo "setup: could not install ${_missing[*]}; the conformance tier will say what it skipped" >&2
  else
    echo "setup: ${_missing[*]} missing and not root; the conformance tier will say what it skipped" >&2
  fi
fi
