#!/bin/sh
# Builds every overlay as it will be applied and checks the result before anything is pushed or deployed:
# kubeconform (strict schemas of the oldest supported Kubernetes, CRDs from the community catalog), kube-score
# (lint), and no image without a digest. Needs kustomize, kubeconform and kube-score on PATH (CI installs them).
set -eu
dir="$(dirname "$0")"
version="${KUBERNETES_VERSION:-1.27.0}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for overlay in "$dir"/overlays/*/; do
  env="$(basename "$overlay")"
  echo "== $env"
  kustomize build "$overlay" > "$out/$env.yaml"
  kubeconform -strict -summary -kubernetes-version "$version" \
    -schema-location default \
    -schema-location 'https://raw.githubusercontent.com/datreeio/CRDs-catalog/main/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json' \
    "$out/$env.yaml"
  # Accepted, with the reason in deploy/kubernetes/README.md ("What the linters still report"):
  # - container-security-context-user-group-id: no fixed UID/GID, so OpenShift's restricted-v2 can assign one;
  #   the image's numeric USER and runAsNonRoot keep it non-root.
  kube-score score --output-format ci \
    --ignore-test container-security-context-user-group-id \
    "$out/$env.yaml"
  if grep -E '^ +image: ' "$out/$env.yaml" | grep -Ev '@sha256:[0-9a-f]{64}"?$'; then
    echo "check: $env deploys an image without a digest" >&2
    exit 1
  fi
done
if [ -d "$dir/../argocd" ]; then
  kubeconform -strict -summary \
    -schema-location 'https://raw.githubusercontent.com/datreeio/CRDs-catalog/main/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json' \
    "$dir"/../argocd/*.yaml
fi
