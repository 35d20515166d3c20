#!/usr/bin/env bash
# Copy the Argo CD and Flux CRDs out of their Go modules (go mod download, the
# module proxy: no web download) into a version-keyed cache dir, and print that
# dir on the last line of stdout. Warm runs are a no-op.
#
# Env: GITOPS_CACHE (default ~/.cache/gitops-platform). The module cache is
# $GITOPS_CACHE/gomod so `go clean -modcache` elsewhere doesn't touch it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
. "$HERE/versions.env"
CACHE=${GITOPS_CACHE:-$HOME/.cache/gitops-platform}
OUT=$CACHE/k8s-crds/argocd-$ARGOCD_VERSION-source-$FLUX_SOURCE_VERSION-kustomize-$FLUX_KUSTOMIZE_VERSION

if [ -f "$OUT/.complete" ]; then echo "$OUT"; exit 0; fi
command -v go >/dev/null || { echo "fetch-crds: 'go' not found on PATH" >&2; exit 3; }
mkdir -p "$OUT"
exec 9>"$OUT.lock"
flock 9
if [ -f "$OUT/.complete" ]; then echo "$OUT"; exit 0; fi

export GOMODCACHE=$CACHE/gomod GOTOOLCHAIN=local GOFLAGS=-mod=mod
# Outside any module (in $OUT): downloads exactly these three zips, no dependency graph.
TAG=fetch-crds ROOT=$OUT
# shellcheck source=../lib/gobuild.sh
. "$HERE/../lib/gobuild.sh"

ARGO=$(gobuild_moddir "$ARGOCD_MODULE" "$ARGOCD_VERSION")
SRC=$(gobuild_moddir "$FLUX_SOURCE_MODULE" "$FLUX_SOURCE_VERSION")
KUS=$(gobuild_moddir "$FLUX_KUSTOMIZE_MODULE" "$FLUX_KUSTOMIZE_VERSION")

install -m 0644 "$ARGO"/manifests/crds/application-crd.yaml \
  "$ARGO"/manifests/crds/applicationset-crd.yaml \
  "$ARGO"/manifests/crds/appproject-crd.yaml "$OUT/"
install -m 0644 "$SRC"/config/crd/bases/source.toolkit.fluxcd.io_gitrepositories.yaml "$OUT/"
install -m 0644 "$KUS"/config/crd/bases/kustomize.toolkit.fluxcd.io_kustomizations.yaml "$OUT/"
touch "$OUT/.complete"
echo "$OUT"
