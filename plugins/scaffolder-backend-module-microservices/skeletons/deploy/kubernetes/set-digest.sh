#!/bin/sh
# Reads or rewrites the image digest of one overlay: the single 'digest:' line of its kustomization.yaml. A line
# edit keeps the file's comments (`kustomize edit` would drop them). Used by CI and by promotion.
#   sh deploy/kubernetes/set-digest.sh dev sha256:<64 hex>     write
#   sh deploy/kubernetes/set-digest.sh --print prod            read
set -eu
dir="$(dirname "$0")"
if [ "${1:-}" = "--print" ]; then
  file="$dir/overlays/${2:?overlay}/kustomization.yaml"
  sed -n 's/^    digest: "\{0,1\}\(sha256:[0-9a-f]\{64\}\)"\{0,1\}$/\1/p' "$file"
  exit 0
fi
overlay="${1:?overlay}"
digest="${2:?digest}"
file="$dir/overlays/$overlay/kustomization.yaml"
if ! printf '%s' "$digest" | grep -Eq '^sha256:[0-9a-f]{64}$'; then
  echo "set-digest: '$digest' is not a sha256 digest" >&2
  exit 1
fi
if [ "$(grep -c '^    digest: ' "$file")" != 1 ]; then
  echo "set-digest: $file must have exactly one '    digest: ' line" >&2
  exit 1
fi
sed -i "s/^    digest: .*/    digest: \"$digest\"/" "$file"
