#!/usr/bin/env bash
# Measure the images: local base sizes, each image's size and layer count, and
# build times cold (empty layer cache), warm with no change, and warm after a
# code-only change (the dependency layer is reused). Writes bench/images.md.
#
# Takes several minutes (the cold builds download every dependency again).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${BENCH_OUT:-$ROOT/bench/images.md}
cd "$ROOT"

log() { echo "bench: $*" >&2; }
mb() { podman image inspect --format '{{.Size}}' "$1" | awk '{printf "%.1f", $1 / 1e6}'; }

python_base=$("$HERE/build-base.sh" "$HERE/base-python.list")
node_base=$("$HERE/build-base.sh" "$HERE/base-node.list")

declare -A result
measure() { # LABEL build.sh-args...
    local label=$1
    shift
    log "$label: build.sh $*"
    while read -r line; do
        echo "  $line" >&2
        # image localhost/gitops-platform/backend:local: warm build 12.3s, size 155.1 MB, 2 layers
        [[ $line =~ ^image\ [^/]+/[^/]+/([a-z]+):[^:]+:\ [a-z]+\ build\ ([0-9.]+)s,\ size\ ([0-9.]+)\ MB,\ ([0-9]+)\ layers ]] || continue
        result[$label/${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
        result[size/${BASH_REMATCH[1]}]=${BASH_REMATCH[3]}
        result[layers/${BASH_REMATCH[1]}]=${BASH_REMATCH[4]}
    done < <("$HERE/build.sh" "$@")
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
export GIT_SHA=${GIT_SHA:-$(git rev-parse HEAD)}
export VERSION=${VERSION:-$(git describe --tags --always --dirty)}
export IMAGE_TAG=bench

measure cold --no-cache backend frontend
measure warm --force backend frontend

# A code-only change: a copy of the context with one comment added per service.
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp -a pyproject.toml uv.lock .dockerignore Dockerfile.backend Dockerfile.frontend "$ctx/"
mkdir -p "$ctx/services"
for service in backend frontend; do
    tar -C services --exclude=node_modules --exclude=__pycache__ -cf - "$service" | tar -C "$ctx/services" -xf -
    echo "# bench: code-only change $(date +%s%N)" >>"$ctx/services/$service/src/$service/__init__.py"
done
IMAGES_CONTEXT=$ctx measure code backend frontend

podman rmi localhost/gitops-platform/backend:bench localhost/gitops-platform/frontend:bench >/dev/null 2>&1 || true
rm -f "${IMAGES_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gitops-platform/images}"/keep-*-bench.ids

mkdir -p "$(dirname "$OUT")"
{
    echo "# Container images"
    echo
    echo "Measured by \`make images-bench\` (tools/images/bench.sh) on $(date -u +%Y-%m-%d), $(nproc) cores,"
    echo "buildah $(buildah --version | awk '{print $3}'), vfs storage, local Debian bases;"
    echo "load average when it started: $load (other work on the machine slows every number)."
    echo "Sizes are podman's uncompressed image size (MB = 10^6 bytes)."
    echo
    echo "| local base | what | size |"
    echo "| --- | --- | --- |"
    echo "| \`${python_base#localhost/gitops-platform/}\` | $(grep -vE '^\s*(#|$)' "$HERE/base-python.list" | paste -sd' ') (Debian $(podman image inspect --format '{{index .Labels "io.gitops-platform.base.suite"}}' "$python_base")) | $(mb "$python_base") MB |"
    echo "| \`${node_base#localhost/gitops-platform/}\` | $(grep -vE '^\s*(#|$)' "$HERE/base-node.list" | paste -sd' ') (asset stage only) | $(mb "$node_base") MB |"
    echo
    echo "| image | size | layers | cold build | warm, no change | warm, code change |"
    echo "| --- | --- | --- | --- | --- | --- |"
    for service in backend frontend; do
        echo "| $service | ${result[size/$service]} MB | ${result[layers/$service]} | ${result[cold/$service]} s | ${result[warm/$service]} s | ${result[code/$service]} s |"
    done
    echo
    echo "Cold: empty layer cache (\`--no-cache\`), base image present; includes installing uv"
    echo "and downloading every locked dependency. Warm, no change: every layer cached, only"
    echo "the metadata is committed again. Warm, code change: one comment added to each"
    echo "service's \`__init__.py\`; the dependency layer is reused, the service's wheel is rebuilt."
    echo "The upstream-base variant (\`make images-upstream\`) adds the base image's own weight"
    echo "instead of the local base's; it cannot be measured where no registry is reachable."
} >"$OUT"
log "wrote $OUT"
cat "$OUT"
