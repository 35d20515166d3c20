#!/usr/bin/env bash
# Build actionlint from its Go module into a version-keyed cache; print its path.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=tools/pipeline/versions.env
source "$here/versions.env"
dest="${GITOPS_CACHE:-$HOME/.cache/gitops-platform}/tools/actionlint-${ACTIONLINT_VERSION}"
if [ ! -x "$dest/actionlint" ]; then
  command -v go >/dev/null || { echo "actionlint: Go is required to build actionlint ${ACTIONLINT_VERSION}" >&2; exit 1; }
  mkdir -p "$dest"
  echo "actionlint: building ${ACTIONLINT_VERSION} from its Go module" >&2
  GOBIN="$dest" GOFLAGS=-trimpath CGO_ENABLED=0 GOTOOLCHAIN=local \
    go install "github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}"
fi
echo "$dest/actionlint"
