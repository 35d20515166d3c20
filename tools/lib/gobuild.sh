# Shared by the build scripts that compile pinned tools from the Go module proxy
# (tools/cluster, tools/flux, tools/argocd). Sourced, not run. Each script sets
# TAG (log prefix), ROOT (the version-keyed cache dir), OUT (its bin dir) and a
# `complete` function that says whether ROOT already holds a whole build; GO_MIN
# (the Go it needs, for the "go not found" message) defaults to 1.26.
# shellcheck shell=bash

GOBUILD_START=$(date +%s)

log() { echo "[$TAG +$(($(date +%s) - GOBUILD_START))s] $*" >&2; }

# go get and go mod download list every module they touch; keep that in a file
# unless the step fails.
quiet() { "$@" >"$ROOT/last-step.log" 2>&1 || { cat "$ROOT/last-step.log" >&2; return 1; }; }

# Warm: print OUT and exit 0. Cold: check for Go, take ROOT's lock (concurrent
# callers, such as make and a pytest fixture, must not build the same tree twice)
# and return, unless a concurrent run finished the build meanwhile.
gobuild_begin() {
  if complete; then
    log "warm: $ROOT is complete (no-op)"
    echo "$OUT"
    exit 0
  fi
  command -v go >/dev/null || { echo "$TAG: 'go' not found on PATH (need Go >= ${GO_MIN:-1.26})" >&2; exit 3; }
  mkdir -p "$ROOT"
  exec 9>"$ROOT.lock"
  if ! flock -n 9; then
    log "another build holds $ROOT.lock; waiting"
    flock 9
  fi
  if complete; then log "built by a concurrent run"; echo "$OUT"; exit 0; fi
  # Local toolchain only (the proxy must not swap compilers under us), and the
  # proxy only: a `direct` fallback would try git hosts this machine cannot reach.
  export GOPROXY=${GOPROXY:-https://proxy.golang.org} GOTOOLCHAIN=local CGO_ENABLED=0
  log "building into $ROOT ($(go version))"
}

# The module's directory in GOMODCACHE, downloaded outside any module so only
# that zip is fetched.
gobuild_moddir() {
  local json dir
  json=$(cd "$ROOT" && go mod download -json "$1@$2")
  dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [ -d "$dir" ] || { echo "$TAG: no module dir for $1@$2:" >&2; echo "$json" >&2; exit 1; }
  echo "$dir"
}

gobuild_done() {
  date -u +%Y-%m-%dT%H:%M:%SZ >"$ROOT/.complete"
  log "build complete in $(($(date +%s) - GOBUILD_START))s"
  echo "$OUT"
}
