#!/usr/bin/env bash
# Build Argo CD's application-controller and repo-server from the Go module proxy
# into a cache dir keyed by the pin in tools/k8s/versions.env, next to the CRDs from
# the same module zip, plus the kustomize binary the repo-server runs for
# Kustomize sources (pinned in versions.env here). Prints the bin dir on the last
# line of stdout. Warm runs (stamps present) are a no-op.
#
# One multi-call binary, like upstream's image (/usr/local/bin/argocd + symlinks):
# it dispatches on basename(argv[0]) or $ARGOCD_BINARY_NAME. It is named `argocd`
# because the repo-server runs git with GIT_ASKPASS=argocd and
# ARGOCD_BINARY_NAME=argocd-git-ask-pass, so put bin/ on PATH when the repo-server
# must hand credentials to git. Only these three commands are linked in.
#
# Layout of $ROOT: bin/argocd, bin/argocd-{application-controller,repo-server}
# (symlinks to argocd), bin/kustomize, crds/{application,appproject,applicationset}-crd.yaml,
# help/*.txt, build-info.txt. `.complete` stamps Argo CD, `.kustomize-complete`
# holds the kustomize version built (a new kustomize pin rebuilds only kustomize).
# Env overrides: GITOPS_CACHE (default ~/.cache/gitops-platform),
# ARGOCD_BUILD_NICE (default 19; the build shares small machines).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The version is pinned once, beside the CRDs the manifest checks use: the Argo CD
# that runs and the CRDs the manifests are validated against are the same release.
# shellcheck source=../k8s/versions.env
. "$HERE/../k8s/versions.env"
# Build-specific keys only (kustomize).
# shellcheck source-path=SCRIPTDIR source=versions.env
. "$HERE/versions.env"

CACHE=${GITOPS_CACHE:-$HOME/.cache/gitops-platform}
ROOT=$CACHE/argocd-$ARGOCD_VERSION
OUT=$ROOT/bin
BINS=(argocd argocd-application-controller argocd-repo-server)
CRDS=(application-crd.yaml appproject-crd.yaml applicationset-crd.yaml)
NICE=${ARGOCD_BUILD_NICE:-19}
START=$(date +%s)

log() { echo "[argocd-build +$(($(date +%s) - START))s] $*" >&2; }

complete() {
  [ -f "$ROOT/.complete" ] || return 1
  local f
  for f in "${BINS[@]}"; do [ -x "$OUT/$f" ] || return 1; done
  for f in "${CRDS[@]}"; do [ -f "$ROOT/crds/$f" ] || return 1; done
}

kustomize_complete() {
  [ -x "$OUT/kustomize" ] && [ "$(cat "$ROOT/.kustomize-complete" 2>/dev/null)" = "$KUSTOMIZE_VERSION" ]
}

# kustomize has no replace directives, so a plain `go install MODULE@VERSION`
# builds it exactly as released (go.sum checked against GOSUMDB).
build_kustomize() {
  local t0
  t0=$(date +%s)
  log "compiling $KUSTOMIZE_MODULE@$KUSTOMIZE_VERSION under nice -n $NICE"
  rm -f "$OUT/kustomize" "$ROOT/.kustomize-complete"
  mkdir -p "$OUT" "$ROOT/help"
  (cd "$ROOT" && GOFLAGS="-trimpath -buildvcs=false" GOBIN="$OUT" \
    nice -n "$NICE" go install -ldflags="-s -w" "$KUSTOMIZE_MODULE@$KUSTOMIZE_VERSION") >&2
  "$OUT/kustomize" version >"$ROOT/help/kustomize-version.txt" 2>&1
  echo "kustomize: $KUSTOMIZE_MODULE@$KUSTOMIZE_VERSION $(($(date +%s) - t0))s" >>"$ROOT/build-info.txt"
  echo "$KUSTOMIZE_VERSION" >"$ROOT/.kustomize-complete"
  log "kustomize done ($(cat "$ROOT/help/kustomize-version.txt"))"
}

if complete && kustomize_complete; then
  log "warm: $ROOT is complete (no-op)"
  echo "$OUT"
  exit 0
fi

command -v go >/dev/null || { echo "argocd-build: 'go' not found on PATH (need Go >= 1.25.5)" >&2; exit 3; }
mkdir -p "$ROOT"
# Concurrent callers (make + pytest fixture) must not build the same tree twice.
exec 9>"$ROOT.lock"
if ! flock -n 9; then
  log "another build holds $ROOT.lock; waiting"
  flock 9
fi
if complete && kustomize_complete; then log "built by a concurrent run"; echo "$OUT"; exit 0; fi
# Local toolchain only (the proxy must not swap compilers). Proxy only by default:
# a `direct` fallback would try git hosts this machine cannot reach.
export GOPROXY=${GOPROXY:-https://proxy.golang.org} GOTOOLCHAIN=local CGO_ENABLED=0
if complete; then
  build_kustomize
  log "build complete in $(($(date +%s) - START))s"
  echo "$OUT"
  exit 0
fi

# -mod=readonly: we build inside argo-cd's own module, so its go.mod replace lines
# (k8s.io/* => v0.34.0, yaml, protobuf, ...) and go.sum apply exactly as upstream;
# a missing go.sum line is an error rather than a silent re-resolution.
export GOFLAGS="-mod=readonly -trimpath -buildvcs=false"
log "building into $ROOT ($(go version))"
rm -rf "$OUT" "$ROOT/crds" "$ROOT/help" "$ROOT/src"
mkdir -p "$OUT" "$ROOT/crds" "$ROOT/help"
{ echo "go: $(go version)"; echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"; } >"$ROOT/build-info.txt"

# Module dir in GOMODCACHE; run outside any module so only that zip is fetched.
log "downloading $ARGOCD_MODULE@$ARGOCD_VERSION"
json=$(cd "$ROOT" && go mod download -json "$ARGOCD_MODULE@$ARGOCD_VERSION")
MODDIR=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
[ -d "$MODDIR" ] || { echo "argocd-build: no module dir for $ARGOCD_MODULE@$ARGOCD_VERSION:" >&2; echo "$json" >&2; exit 1; }
echo "module: $ARGOCD_MODULE@$ARGOCD_VERSION ($MODDIR)" >>"$ROOT/build-info.txt"

# `go install MODULE/cmd@VERSION` refuses a module with replace directives, and a
# separate wrapper module would have to re-declare them, so build in a writable
# copy of the module with a small main package of our own (upstream's ./cmd links
# every Argo CD component, including the CLI and API server).
cp -r "$MODDIR" "$ROOT/src"
chmod -R u+w "$ROOT/src"     # module cache files are read-only
mkdir -p "$ROOT/src/cmd/gitops-platform-argocd"
cat >"$ROOT/src/cmd/gitops-platform-argocd/main.go" <<'GO'
// Multi-call binary generated by tools/argocd/build.sh (gitops-platform): the
// subset of upstream cmd/main.go needed to run Argo CD against a local cluster.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	appcontroller "github.com/argoproj/argo-cd/v3/cmd/argocd-application-controller/commands"
	gitaskpass "github.com/argoproj/argo-cd/v3/cmd/argocd-git-ask-pass/commands"
	reposerver "github.com/argoproj/argo-cd/v3/cmd/argocd-repo-server/commands"
	"github.com/argoproj/argo-cd/v3/util/log"
)

func init() {
	// As upstream: make klog use the configured log level and format.
	klog.SetLogger(log.NewLogrusLogger(log.NewWithCurrentConfig()))
}

func main() {
	name := filepath.Base(os.Args[0])
	if v := os.Getenv("ARGOCD_BINARY_NAME"); v != "" {
		name = v
	}
	var command *cobra.Command
	switch name {
	case "argocd-application-controller":
		command = appcontroller.NewCommand()
	case "argocd-repo-server":
		command = reposerver.NewCommand()
	case "argocd-git-ask-pass":
		command = gitaskpass.NewCommand()
		command.SilenceErrors = true
		command.SilenceUsage = true
	default:
		fmt.Fprintf(os.Stderr, "%s: unsupported command name %q; invoke as argocd-application-controller, "+
			"argocd-repo-server or argocd-git-ask-pass (symlink or ARGOCD_BINARY_NAME)\n", os.Args[0], name)
		os.Exit(2)
	}
	if err := command.Execute(); err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(1)
	}
}
GO
cd "$ROOT/src"

# Version stamps as upstream's Makefile sets them (PACKAGE=.../common). The module
# zip carries no commit, so `version` reports v3.2.11+unknown.
KUBECTL_VERSION=$(go list -m k8s.io/client-go | awk '{print $NF}')
PKG=$ARGOCD_MODULE/common
LDF="-s -w -X $PKG.version=$(cat VERSION) -X $PKG.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
LDF+=" -X $PKG.gitTag=$ARGOCD_VERSION -X $PKG.gitTreeState=clean -X $PKG.kubectlVersion=$KUBECTL_VERSION"
LDF+=" -X $PKG.extraBuildInfo=gitops-platform-module-build"
echo "ldflags: $LDF" >>"$ROOT/build-info.txt"

t0=$(date +%s)
log "compiling argocd (application-controller + repo-server + git-ask-pass) under nice -n $NICE (first run also downloads deps)"
nice -n "$NICE" go build -ldflags="$LDF" -o "$OUT/argocd" ./cmd/gitops-platform-argocd >&2
echo "argocd: $ARGOCD_MODULE@$ARGOCD_VERSION $(($(date +%s) - t0))s" >>"$ROOT/build-info.txt"
ln -sfn argocd "$OUT/argocd-application-controller"
ln -sfn argocd "$OUT/argocd-repo-server"
log "argocd done ($(du -h "$OUT/argocd" | cut -f1))"

# CRDs from the pristine module dir (kustomization.yaml is not a manifest).
for f in "${CRDS[@]}"; do install -m 0644 "$MODDIR/manifests/crds/$f" "$ROOT/crds/$f"; done
log "CRDs: ${CRDS[*]}"

# Smoke test: judge --help by its output (saved for reference), not the exit code.
for b in argocd-application-controller argocd-repo-server; do
  "$OUT/$b" --help >"$ROOT/help/$b.txt" 2>&1 || true
done
grep -q -- '--repo-server-plaintext' "$ROOT/help/argocd-application-controller.txt"
grep -q -- '--disable-tls' "$ROOT/help/argocd-repo-server.txt"
# Sources are only needed to compile; the module cache keeps the pristine copy.
rm -rf "$ROOT/src"
cd "$ROOT"
build_kustomize
echo "total: $(($(date +%s) - START))s" >>"$ROOT/build-info.txt"
date -u +%Y-%m-%dT%H:%M:%SZ >"$ROOT/.complete"
log "build complete in $(($(date +%s) - START))s"
echo "$OUT"
