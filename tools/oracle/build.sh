#!/usr/bin/env bash
# Build the differential tier's oracles from the Go module proxy: upstream code the
# board's status logic ports, wrapped in a JSON-lines main of our own
# (tools/oracle/{kube,argo}/main.go, serve.go). Prints the bin dir on the last line
# of stdout. Warm runs (stamp present) are a no-op.
#
#   kube-oracle  kubectl's status viewers (k8s.io/kubectl pkg/polymorphichelpers) and
#                the apiserver's pod table (k8s.io/kubernetes pkg/printers), in a
#                wrapper module made as the control plane's is (tools/lib/kubewrapper.sh)
#                at the cluster's release: K8S_VERSION in tools/cluster/versions.env.
#   argo-oracle  gitops-engine's pkg/health and pkg/sync/hook, built inside a copy of
#                the Argo CD module the project runs (ARGOCD_VERSION in
#                tools/k8s/versions.env), so its go.mod, replace lines and go.sum pick
#                the gitops-engine and k8s.io/* versions exactly as that build does.
#
# The cache key holds both pins and a hash of the wrapper sources, so editing a main.go
# rebuilds. Env overrides: GITOPS_CACHE (default ~/.cache/gitops-platform),
# ORACLE_BUILD_NICE (default 19; the build shares small machines).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../cluster/versions.env
. "$HERE/../cluster/versions.env"
# shellcheck source=../k8s/versions.env
. "$HERE/../k8s/versions.env"

SOURCES=("$HERE/build.sh" "$HERE/serve.go" "$HERE/kube/main.go" "$HERE/argo/main.go")
SRC_HASH=$(cat "${SOURCES[@]}" | sha256sum | cut -c1-12)
CACHE=${GITOPS_CACHE:-$HOME/.cache/gitops-platform}
ROOT=$CACHE/oracle-k8s-$K8S_VERSION-argocd-$ARGOCD_VERSION-$SRC_HASH
OUT=$ROOT/bin
BINS=(kube-oracle argo-oracle)
NICE=${ORACLE_BUILD_NICE:-19}
TAG=oracle-build
# shellcheck source=../lib/gobuild.sh
. "$HERE/../lib/gobuild.sh"
# shellcheck source=../lib/kubewrapper.sh
. "$HERE/../lib/kubewrapper.sh"

complete() {
  [ -f "$ROOT/.complete" ] || return 1
  for b in "${BINS[@]}"; do [ -x "$OUT/$b" ] || return 1; done
}

# smoke BIN REQUEST: one request answered, so a broken build never reaches the tests.
smoke() {
  local answer
  answer=$(printf '%s\n' "$2" | "$OUT/$1")
  case $answer in
    *'"invalid"'*|"") echo "$TAG: $1 failed its smoke test: $answer" >&2; exit 1 ;;
  esac
  log "$1 answers: $answer"
}

gobuild_begin
rm -rf "$OUT" "$ROOT/src-kube" "$ROOT/src-argo"
mkdir -p "$OUT"
{ echo "go: $(go version)"; echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"; } >"$ROOT/build-info.txt"

# --- kube-oracle ----------------------------------------------------------------
# -mod=mod: the wrapper's go.mod gains the requirements its imports need, with go.sum
# lines checked against GOSUMDB.
t0=$(date +%s)
kubewrapper_init "$ROOT/src-kube" gitops-platform.local/oracle
mkdir -p cmd/kube-oracle
cp "$HERE/kube/main.go" "$HERE/serve.go" cmd/kube-oracle/
log "resolving k8s.io/kubernetes@$K8S_VERSION for the oracle's imports"
quiet env GOFLAGS="-mod=mod" go get "k8s.io/kubernetes@$K8S_VERSION" ./cmd/kube-oracle
log "compiling kube-oracle under nice -n $NICE"
GOFLAGS="-mod=mod -trimpath -buildvcs=false" nice -n "$NICE" \
  go build -ldflags="-s -w" -o "$OUT/kube-oracle" ./cmd/kube-oracle >&2
{
  echo "kube-oracle: k8s.io/kubernetes@$K8S_VERSION $(go list -m k8s.io/kubectl | awk '{print $1"@"$NF}') $(($(date +%s) - t0))s"
} >>"$ROOT/build-info.txt"
smoke kube-oracle '{"fn":"rollout_status","object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"smoke"},"spec":{"replicas":1}}}'

# --- argo-oracle ----------------------------------------------------------------
# -mod=readonly inside Argo CD's own module: a missing go.sum line is an error, never
# a silent re-resolution away from what Argo CD resolves.
t0=$(date +%s)
log "downloading $ARGOCD_MODULE@$ARGOCD_VERSION"
MODDIR=$(gobuild_moddir "$ARGOCD_MODULE" "$ARGOCD_VERSION")
mkdir -p "$ROOT/src-argo"
# The module's go.mod and go.sum are all the build needs from it: the oracle imports
# gitops-engine, not Argo CD's own packages.
cp "$MODDIR/go.mod" "$MODDIR/go.sum" "$ROOT/src-argo/"
chmod u+w "$ROOT/src-argo/go.mod" "$ROOT/src-argo/go.sum"
cd "$ROOT/src-argo"
mkdir -p cmd/argo-oracle
cp "$HERE/argo/main.go" "$HERE/serve.go" cmd/argo-oracle/
ENGINE=$(go list -m github.com/argoproj/gitops-engine | awk '{print $1"@"$NF}')
log "compiling argo-oracle against $ENGINE under nice -n $NICE"
GOFLAGS="-mod=readonly -trimpath -buildvcs=false" nice -n "$NICE" \
  go build -ldflags="-s -w" -o "$OUT/argo-oracle" ./cmd/argo-oracle >&2
echo "argo-oracle: $ARGOCD_MODULE@$ARGOCD_VERSION resolves $ENGINE $(($(date +%s) - t0))s" >>"$ROOT/build-info.txt"
smoke argo-oracle '{"fn":"health","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"smoke"},"status":{"phase":"Pending"}}}'

gobuild_done
