#!/usr/bin/env bash
# Policy lint for the rendered manifests: build (once) a checkov venv from the
# hashed lock next to this script, keyed by version + lock hash under
# ~/.cache/gitops-platform/tools/, then run it offline on the given paths.
#
# Usage: tools/k8s/checkov.sh [--print-path] [checkov args...]
#   --print-path  build if needed and print the checkov executable, nothing else
# Env: GITOPS_CACHE (default ~/.cache/gitops-platform), UV (default: the root
# Makefile's pinned uv, else `uv` on PATH).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
. "$HERE/versions.env"
CACHE=${GITOPS_CACHE:-$HOME/.cache/gitops-platform}
LOCK=$HERE/checkov-requirements.txt
KEY=$(sha256sum "$LOCK" | cut -c1-12)
VENV=$CACHE/tools/checkov-$CHECKOV_VERSION-$KEY
UV=${UV:-$CACHE/uv-0.13.9/bin/uv}
[ -x "$UV" ] || UV=$(command -v uv || true)

build() {
  [ -n "$UV" ] || { echo "checkov.sh: uv not found (run 'make venv' first)" >&2; exit 3; }
  mkdir -p "$CACHE/tools"
  exec 9>"$VENV.lock"
  flock 9  # concurrent callers (make + pytest) build once
  [ -f "$VENV/.complete" ] && return 0
  echo "[checkov] building $VENV from $LOCK" >&2
  rm -rf "$VENV"
  UV_PYTHON_DOWNLOADS=never "$UV" venv -q --python 3.11 "$VENV" >&2
  VIRTUAL_ENV=$VENV "$UV" pip install -q --require-hashes -r "$LOCK" >&2
  touch "$VENV/.complete"
}

[ -f "$VENV/.complete" ] || build
if [ "${1:-}" = "--print-path" ]; then
  echo "$VENV/bin/checkov"
  exit 0
fi
# --skip-download: no policy metadata from the vendor's platform (offline).
exec "$VENV/bin/checkov" --framework kubernetes --skip-download "$@"
