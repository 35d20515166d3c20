#!/usr/bin/env bash
# Build Flux's source-controller and kustomize-controller from the Go module proxy
# into a cache dir keyed by the pins in ../k8s/versions.env, next to the CRDs and RBAC
# manifests from the same module zips. Prints the bin dir on the last line of
# stdout. Warm runs (stamp present) are a no-op.
#
# Layout of $ROOT: bin/{source,kustomize}-controller, crds/*.yaml,
# rbac/{source,kustomize}-controller/*.yaml, help/*.txt, build-info.txt.
# Env overrides: GITOPS_CACHE (default ~/.cache/gitops-platform).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../k8s/versions.env
. "$HERE/../k8s/versions.env"
# shellcheck source-path=SCRIPTDIR source=go-replaces.env
. "$HERE/go-replaces.env"

CACHE=${GITOPS_CACHE:-$HOME/.cache/gitops-platform}
ROOT=$CACHE/flux-source-$FLUX_SOURCE_VERSION-kustomize-$FLUX_KUSTOMIZE_VERSION
OUT=$ROOT/bin
BINS=(source-controller kustomize-controller)
TAG=flux-build
# shellcheck source=../lib/gobuild.sh
. "$HERE/../lib/gobuild.sh"

complete() {
  [ -f "$ROOT/.complete" ] || return 1
  for b in "${BINS[@]}"; do [ -x "$OUT/$b" ] || return 1; done
  [ -f "$ROOT/crds/kustomize.toolkit.fluxcd.io_kustomizations.yaml" ]
}

gobuild_begin
# -mod=mod because the edited go.mod needs new go.sum lines (checked against GOSUMDB).
export GOFLAGS="-mod=mod -trimpath -buildvcs=false"
rm -rf "$OUT" "$ROOT/crds" "$ROOT/rbac" "$ROOT/help"
mkdir -p "$OUT" "$ROOT/crds" "$ROOT/rbac" "$ROOT/help"
{ echo "go: $(go version)"; echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"; } >"$ROOT/build-info.txt"

# build NAME MODULE VERSION REPLACES
# `go install MODULE@VERSION` refuses the module's own `replace .../api => ./api`,
# and the nested api module is a separate zip, so build in a writable copy of the
# module with the api module copied to ./api (what upstream's Dockerfile sees).
build() {
  local name=$1 mod=$2 ver=$3 repl=$4 src t0 r rs=()
  t0=$(date +%s)
  src=$(gobuild_moddir "$mod" "$ver")
  rm -rf "$ROOT/src-$name"
  cp -r "$src" "$ROOT/src-$name"
  cp -r "$(gobuild_moddir "$mod/api" "$ver")" "$ROOT/src-$name/api"
  chmod -R u+w "$ROOT/src-$name"     # module cache files are read-only
  cd "$ROOT/src-$name"
  IFS=, read -r -a rs <<<"$repl"
  for r in "${rs[@]}"; do go mod edit -replace="$r"; log "$name: replace $r"; echo "$name: replace $r" >>"$ROOT/build-info.txt"; done
  log "$name: compiling $mod@$ver (first run also downloads its deps)"
  go build -ldflags="-s -w" -o "$OUT/$name" . >&2
  echo "$name: $mod@$ver $(($(date +%s) - t0))s" >>"$ROOT/build-info.txt"
  # CRDs and Flux's own RBAC (kustomize namePrefix source-/kustomize- not applied).
  install -m 0644 "$src"/config/crd/bases/*.yaml "$ROOT/crds/"
  mkdir -p "$ROOT/rbac/$name"
  install -m 0644 "$src"/config/rbac/*.yaml "$ROOT/rbac/$name/"
  log "$name done ($(du -h "$OUT/$name" | cut -f1))"
}

build source-controller "$FLUX_SOURCE_MODULE" "$FLUX_SOURCE_VERSION" "$FLUX_SOURCE_GO_REPLACES"
build kustomize-controller "$FLUX_KUSTOMIZE_MODULE" "$FLUX_KUSTOMIZE_VERSION" "$FLUX_KUSTOMIZE_GO_REPLACES"

# Smoke test: --help (exit 0 with v1.9.6) must list the flags we rely on; judge
# by the output, saved for reference, in case a pflag bump changes the exit code.
for b in "${BINS[@]}"; do "$OUT/$b" --help >"$ROOT/help/$b.txt" 2>&1 || true; done
grep -q -- '--storage-adv-addr' "$ROOT/help/source-controller.txt"
grep -q -- '--no-remote-bases' "$ROOT/help/kustomize-controller.txt"
echo "total: $(($(date +%s) - GOBUILD_START))s" >>"$ROOT/build-info.txt"
gobuild_done
