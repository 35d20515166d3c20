#!/usr/bin/env bash
# Build the binaries of a real Kubernetes node (kubelet, kube-proxy, containerd,
# containerd-shim-runc-v2, ctr, crane and our pod sandbox) from the Go module proxy
# into a cache dir keyed by the pins (versions.env here, K8S_VERSION from
# ../cluster/versions.env) and a hash of the sandbox sources. Prints the bin dir
# on the last line of stdout. Warm runs (stamp present) are a no-op.
#
# Usage: build.sh [--print-root]   (--print-root: print the cache dir and exit)
# Env overrides: GITOPS_CACHE (default ~/.cache/gitops-platform).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../cluster/versions.env
. "$HERE/../cluster/versions.env"
# shellcheck source=versions.env
. "$HERE/versions.env"

# First 12 hex of sha256 over `sha256sum` lines of the sandbox's go.mod, go.sum and
# *.go in C order (tools/platformkit/node/nodebins.py computes the same).
sandbox_hash() {
  (
    cd "$HERE/sandbox"
    export LC_ALL=C
    for f in *; do
      case $f in go.mod | go.sum | *.go) if [ -f "$f" ]; then sha256sum -- "$f"; fi ;; esac
    done
  ) | sha256sum | cut -c1-12
}

CACHE=${GITOPS_CACHE:-$HOME/.cache/gitops-platform}
ROOT=$CACHE/node-k8s-$K8S_VERSION-containerd-$CONTAINERD_VERSION-crane-$CRANE_VERSION-sandbox-$(sandbox_hash)
if [ "${1:-}" = --print-root ]; then echo "$ROOT"; exit 0; fi
OUT=$ROOT/bin
BINS=(crane sandbox containerd containerd-shim-runc-v2 ctr kubelet kube-proxy)
TAG=node-build
# shellcheck source=../lib/gobuild.sh
. "$HERE/../lib/gobuild.sh"
# shellcheck source=../lib/kubewrapper.sh
. "$HERE/../lib/kubewrapper.sh"

complete() {
  [ -f "$ROOT/.complete" ] || return 1
  for b in "${BINS[@]}"; do [ -x "$OUT/$b" ] || return 1; done
}

# part NAME: log the end of a part with its wall time (also kept in build-info.txt).
part() {
  local s=$(($(date +%s) - PART_START))
  log "$1 done in ${s}s"
  echo "$1: ${s}s" >>"$ROOT/build-info.txt"
  PART_START=$(date +%s)
}

gobuild_begin
log "expected: about 10 min on 2 cores, cold (kubelet+kube-proxy and containerd are most of it); less once the control plane's build has warmed the shared Go build cache"
export GOFLAGS="-trimpath -buildvcs=false"
mkdir -p "$OUT"
cd "$ROOT"
{ echo "go: $(go version)"; echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"; } >"$ROOT/build-info.txt"
PART_START=$(date +%s)

# --- crane and the sandbox (small, first: others wait for crane) ---------------
log "go install github.com/google/go-containerregistry/cmd/crane@$CRANE_VERSION"
# crane's version subcommand reads the module version from the build info.
GOBIN="$OUT" go install -ldflags="-s -w" "github.com/google/go-containerregistry/cmd/crane@$CRANE_VERSION" >&2
log "compiling the sandbox (tools/node/sandbox)"
# No dependencies, so no proxy; CGO_ENABLED=0 (gobuild_begin) makes it static, as
# an image with nothing else in it needs.
(cd "$HERE/sandbox" && GOPROXY=off go build -ldflags="-s -w" -o "$OUT/sandbox" . >&2)
part "crane+sandbox"

# --- containerd ---------------------------------------------------------------
# containerd's go.mod has no replace lines, so `go install module@version` builds
# it as released; one invocation so the three share compiled packages. The tags
# drop the snapshotters needing cgo or host tools (btrfs, devmapper, zfs); the
# overlayfs and native snapshotters remain. Version stamped as upstream's Makefile does.
CTRD=github.com/containerd/containerd/v2
log "go install $CTRD/cmd/{containerd,containerd-shim-runc-v2,ctr}@$CONTAINERD_VERSION"
GOBIN="$OUT" go install -tags=no_btrfs,no_devmapper,no_zfs \
  -ldflags="-s -w -X $CTRD/version.Version=$CONTAINERD_VERSION" \
  "$CTRD/cmd/containerd@$CONTAINERD_VERSION" \
  "$CTRD/cmd/containerd-shim-runc-v2@$CONTAINERD_VERSION" \
  "$CTRD/cmd/ctr@$CONTAINERD_VERSION" >&2
part "containerd"

# --- kubelet and kube-proxy ---------------------------------------------------
# The same wrapper module as the control plane's (tools/lib/kubewrapper.sh).
kubewrapper_init "$ROOT/src-kube" gitops-platform.local/nodebins kubelet kube-proxy
log "compiling kubelet, kube-proxy (one go build)"
kubewrapper_build "$ROOT/src-kube" "$OUT" kubelet kube-proxy
part "kubelet+kube-proxy"

# Smoke test: each binary runs and reports its pin (no `| head`: SIGPIPE would
# trip pipefail). The shim only knows -v; crane has a version subcommand.
smoke() {
  local want=$1 out
  shift
  out=$("$@" 2>&1) || { echo "$out" >&2; echo "$TAG: $* failed" >&2; exit 1; }
  echo "$out" >&2
  grep -qF -- "$want" <<<"$out" || { echo "$TAG: $* does not report $want" >&2; exit 1; }
}
smoke "$CRANE_VERSION" "$OUT/crane" version
smoke "sandbox" "$OUT/sandbox" --version
smoke "$CONTAINERD_VERSION" "$OUT/containerd" --version
smoke "$CONTAINERD_VERSION" "$OUT/containerd-shim-runc-v2" -v
smoke "$CONTAINERD_VERSION" "$OUT/ctr" --version
smoke "$K8S_VERSION" "$OUT/kubelet" --version
smoke "$K8S_VERSION" "$OUT/kube-proxy" --version
echo "total: $(($(date +%s) - GOBUILD_START))s" >>"$ROOT/build-info.txt"
gobuild_done
