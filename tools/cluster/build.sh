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

complete() {
  [ -f "$ROOT/.complete" ] || return 1
  for b in "${BINS[@]}"; do [ -x "$OUT/$b" ] || return 1; done
  [ -d "$ROOT/kwok-stage" ]
}

gobuild_begin
export GOFLAGS="-trimpath -buildvcs=false"
mkdir -p "$OUT" "$ROOT/src-kube" "$ROOT/src-etcd"
MINOR=$(echo "$K8S_VERSION" | cut -d. -f2)
STAGING_V="v0.${K8S_VERSION#v1.}"          # v1.36.3 -> v0.36.3

# --- Kubernetes ---------------------------------------------------------------
# k8s.io/kubernetes requires its staging modules at v0.0.0 (not served) and maps
# them with replace lines that only apply in its own main module, so the wrapper
# must replace each one with the published v0.<minor>.<patch> tag. The set changes
# between minors, hence generated from the real go.mod rather than hard-coded.
cd "$ROOT/src-kube"
rm -f go.mod go.sum
go mod init gitops-platform.local/kubebins >/dev/null 2>&1
log "downloading k8s.io/kubernetes@$K8S_VERSION go.mod"
KGOMOD=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
[ -f "$KGOMOD" ] || { echo "cannot locate go.mod of k8s.io/kubernetes@$K8S_VERSION" >&2; exit 1; }
n=0
for m in $(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" {print $1}' "$KGOMOD" | sort -u); do
  go mod edit -replace="$m=$m@$STAGING_V"; n=$((n + 1))
done
log "generated $n staging replace lines at $STAGING_V"
# Only the main module's godebug line sets GODEBUG defaults: keep upstream's.
GD=$(awk '$1 == "godebug" && $2 ~ /=/ {print $2}' "$KGOMOD" | head -n1)
if [ -n "$GD" ]; then go mod edit -godebug="$GD"; log "godebug $GD"; fi
log "resolving module graph (go get -tool)"
quiet go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" \
  "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" \
  "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION"

BUILD_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LDF="-s -w"
# kwokctl and kubectl parse --version; unstamped binaries say v0.0.0-master.
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LDF+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$MINOR"
  LDF+=" -X $p.gitTreeState=clean -X $p.buildDate=$BUILD_DATE"
done
log "compiling kube-apiserver, kube-controller-manager, kube-scheduler (one go build)"
# One invocation so the three share compiled packages.
go build -tags=selinux,notest,grpcnotrace -ldflags="$LDF" -o "$OUT/" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler >&2
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
