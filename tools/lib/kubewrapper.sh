# Build Kubernetes commands (k8s.io/kubernetes/cmd/...) at $K8S_VERSION from the Go
# module proxy, as tools/cluster/build.sh (control plane) and tools/node/build.sh
# (kubelet, kube-proxy) do. Sourced after gobuild.sh (uses log, quiet, ROOT).
# shellcheck shell=bash

# kubewrapper_init DIR MODULE [CMD...]: make DIR a wrapper module (named MODULE) whose
# tools are the given k8s.io/kubernetes/cmd/CMD, and cd into it.
#
# k8s.io/kubernetes requires its staging modules at v0.0.0 (not served) and maps
# them with replace lines that only apply in its own main module, so the wrapper
# must replace each one with the published v0.<minor>.<patch> tag. The set changes
# between minors, hence generated from the real go.mod rather than hard-coded.
kubewrapper_init() {
  local dir=$1 module=$2 staging kgomod gd m n=0 tools=()
  shift 2
  staging="v0.${K8S_VERSION#v1.}"          # v1.36.3 -> v0.36.3
  mkdir -p "$dir"
  cd "$dir" || exit 1
  rm -f go.mod go.sum
  go mod init "$module" >/dev/null 2>&1
  log "downloading k8s.io/kubernetes@$K8S_VERSION go.mod"
  kgomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
  [ -f "$kgomod" ] || { echo "cannot locate go.mod of k8s.io/kubernetes@$K8S_VERSION" >&2; exit 1; }
  # shellcheck disable=SC2013  # module paths are single words
  for m in $(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" {print $1}' "$kgomod" | sort -u); do
    go mod edit -replace="$m=$m@$staging"; n=$((n + 1))
  done
  log "generated $n staging replace lines at $staging"
  # Only the main module's godebug line sets GODEBUG defaults: keep upstream's.
  gd=$(awk '$1 == "godebug" && $2 ~ /=/ {print $2}' "$kgomod" | head -n1)
  if [ -n "$gd" ]; then go mod edit -godebug="$gd"; log "godebug $gd"; fi
  # No commands: the caller adds its own packages (tools/oracle/build.sh).
  [ "$#" -gt 0 ] || return 0
  log "resolving module graph (go get -tool)"
  for m in "$@"; do tools+=("k8s.io/kubernetes/cmd/$m@$K8S_VERSION"); done
  quiet go get -tool "${tools[@]}"
}

# kubewrapper_build DIR OUT CMD...: compile the commands in one go build (so they
# share compiled packages) into OUT, with upstream's tags and version stamping.
kubewrapper_build() {
  local dir=$1 out=$2 minor build_date ldf p m pkgs=()
  shift 2
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  build_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  ldf="-s -w"
  # kwokctl and kubectl parse --version; unstamped binaries say v0.0.0-master.
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldf+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ldf+=" -X $p.gitTreeState=clean -X $p.buildDate=$build_date"
  done
  for m in "$@"; do pkgs+=("k8s.io/kubernetes/cmd/$m"); done
  (cd "$dir" && go build -tags=selinux,notest,grpcnotrace -ldflags="$ldf" -o "$out/" "${pkgs[@]}" >&2)
}
