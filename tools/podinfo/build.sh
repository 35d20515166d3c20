#!/usr/bin/env bash
# Build podinfo (the peer probe for bench/backend.py) from the Go module proxy into
# a cache dir keyed by the pin in versions.env. Prints the bin dir on the last line
# of stdout; a warm run (stamp present) is a no-op. Nothing built here is committed.
# Env overrides: GITOPS_CACHE (default ~/.cache/gitops-platform).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=versions.env
. "$HERE/versions.env"

CACHE=${GITOPS_CACHE:-$HOME/.cache/gitops-platform}
ROOT=$CACHE/podinfo-$PODINFO_VERSION
OUT=$ROOT/bin
TAG=podinfo-build
complete() { [ -f "$ROOT/.complete" ] && [ -x "$OUT/podinfo" ]; }
# shellcheck source=../lib/gobuild.sh
. "$HERE/../lib/gobuild.sh"

gobuild_begin
# podinfo's go.mod has no replace directives, so `go install MODULE@VERSION` builds
# exactly the released module, its go.sum checked against GOSUMDB. The version
# string podinfo reports is baked into its source (pkg/version), so no -ldflags.
log "go install $PODINFO_MODULE/cmd/podinfo@$PODINFO_VERSION (podinfo $PODINFO_RELEASE)"
GOBIN=$OUT quiet nice -n 10 go install -trimpath "$PODINFO_MODULE/cmd/podinfo@$PODINFO_VERSION"
"$OUT/podinfo" --version | grep -qx "$PODINFO_RELEASE" || {
  echo "$TAG: built podinfo reports $("$OUT/podinfo" --version), want $PODINFO_RELEASE" >&2
  exit 1
}
gobuild_done
