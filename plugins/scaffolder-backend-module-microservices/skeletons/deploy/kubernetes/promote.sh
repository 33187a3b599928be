#!/bin/sh
# Proposes a digest for an overlay, for CI's promotion jobs: writes it into the overlay, commits that one file on
# the current HEAD, and prints the branch to push the commit to (promote/<overlay>-<first 12 hex of the digest>).
# When the overlay already runs the digest it changes nothing, commits nothing, prints nothing and says so on
# stderr: promoting twice is a no-op, not a failure. A bad digest changes nothing and fails.
#   sh deploy/kubernetes/promote.sh prod sha256:<64 hex> ghcr.io/acme/billing-api
set -eu
dir="$(dirname "$0")"
overlay="${1:?overlay}"
digest="${2:?digest}"
image="${3:?image}"
if [ "$(sh "$dir/set-digest.sh" --print "$overlay")" = "$digest" ]; then
  echo "promote: $overlay already runs $image@$digest; nothing to promote" >&2
  exit 0
fi
sh "$dir/set-digest.sh" "$overlay" "$digest"
git -C "$dir" commit --quiet -m "deploy($overlay): $image@$digest" -- "overlays/$overlay/kustomization.yaml"
printf 'promote/%s-%s\n' "$overlay" "$(printf '%s' "${digest#*:}" | cut -c1-12)"
