#!/usr/bin/env bash
# Debian packages the tests need on a fresh machine: PostgreSQL server binaries for the conformance tier's
# throw-away clusters, openssl for their TLS certificate, and Chromium for the browser tests (Debian's build; no
# browser download). Installed only when missing, and only as root (as on these machines); elsewhere the tests
# report what they skipped and why.
_missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || _missing+=(postgresql)
command -v openssl >/dev/null || _missing+=(openssl)
[ -x /usr/bin/chromium ] || _missing+=(chromium)
if [ "${#_missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${_missing[*]} from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${_missing[@]}" >/dev/null \
      || echo "setup: could not install ${_missing[*]}; the tests will say what they skipped" >&2
  else
    echo "setup: ${_missing[*]} missing and not root; the tests will say what they skipped" >&2
  fi
fi
