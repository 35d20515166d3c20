#!/usr/bin/env bash
# Build the real control plane binaries (kube-apiserver, kube-controller-manager,
# kube-scheduler, etcd, kwok, kwokctl) from the Go module proxy into a cache dir
# keyed by the pinned versions in versions.env. Prints the bin dir on the last
# line of stdout. Warm runs (stamp present) are a no-op.
#
# Env overrides: GITOPS_CACHE (default ~/.cache/gitops-platform).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
. "$HERE/versions.env"

CACHE=${GITOPS_CACHE:-$HOME/.cache/gitops-platform}
ROOT=$CACHE/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION
OUT=$ROOT/bin
BINS=(kube-apiserver kube-controller-manager kube-scheduler etcd kwok kwokctl)
TAG=cluster-build
# shellcheck source=../lib/gobuild.sh
. "$HERE/../lib/gobuild.sh"
# shellcheck source=../lib/kubewrapper.sh
. "$HERE/../lib/kubewrapper.sh"

complete() {
  [ -f "$ROOT/.complete" ] || return 1
  for b in "${BINS[@]}"; do [ -x "$OUT/$b" ] || return 1; done
  [ -d "$ROOT/kwok-stage" ]
}

gobuild_begin
export GOFLAGS="-trimpath -buildvcs=false"
mkdir -p "$OUT" "$ROOT/src-kube" "$ROOT/src-etcd"

# --- Kubernetes ---------------------------------------------------------------
kubewrapper_init "$ROOT/src-kube" gitops-platform.local/kubebins \
  kube-apiserver kube-controller-manager kube-scheduler
log "compiling kube-apiserver, kube-controller-manager, kube-scheduler (one go build)"
kubewrapper_build "$ROOT/src-kube" "$OUT" kube-apiserver kube-controller-manager kube-scheduler
log "kubernetes done"

# --- etcd ---------------------------------------------------------------------
# Separate wrapper so MVS does not mix etcd's and k8s's grpc/otel versions.
cd "$ROOT/src-etcd"
rm -f go.mod go.sum
go mod init gitops-platform.local/etcdbins >/dev/null 2>&1
log "resolving go.etcd.io/etcd/server/v3@$ETCD_VERSION"
quiet go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
log "compiling etcd"
go build -ldflags="-s -w" -o "$OUT/etcd" go.etcd.io/etcd/server/v3 >&2
log "etcd done"

# --- kwok ---------------------------------------------------------------------
log "go install sigs.k8s.io/kwok/cmd/{kwok,kwokctl}@$KWOK_VERSION"
GOBIN="$OUT" go install -ldflags="-s -w" \
  "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION" >&2
# v0.8.0 has no built-in stages; copy them so runs don't depend on GOMODCACHE.
STAGE_SRC="$(go env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage"
rm -rf "$ROOT/kwok-stage"
cp -r "$STAGE_SRC" "$ROOT/kwok-stage"
chmod -R u+w "$ROOT/kwok-stage"
log "kwok done"

# Smoke-test each binary (no `| head`: SIGPIPE would trip pipefail).
"$OUT/kube-apiserver" --version >&2
"$OUT/etcd" --version >&2
"$OUT/kwok" --version >&2
gobuild_done
