#!/usr/bin/env bash
# Build the service images with buildah and print, for each: the build time,
# whether it was cold (no layer cache), warm (layer cache) or skipped (an image
# built from identical inputs is already there), its size and its layer count.
#
#   tools/images/build.sh [--upstream] [--no-cache] [--force] [backend|frontend|all]...
#
#   (default)   base images built locally from Debian packages (build-base.sh);
#   --upstream  the Dockerfiles' default bases (pinned python/node slim images):
#               what a user with registry access gets; needs a reachable registry.
#   --no-cache  ignore buildah's layer cache (a cold build).
#   --force     rebuild even when an image with the same inputs exists.
#
# Images are tagged localhost/gitops-platform/SERVICE:local. Each carries the
# label io.gitops-platform.inputs: a hash of the Dockerfile, .dockerignore, the
# build context's files, the base image and the build args except BUILD_TIME.
# When the tagged image already has the current hash, the build is skipped.
#
# Environment: GIT_SHA, VERSION, BUILD_TIME override what git and the clock say;
# IMAGE_TAG (default local); IMAGES_CONTEXT (default: the repository root).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The build context: the repository root, or IMAGES_CONTEXT (bench.sh builds a
# modified copy to time a code-only change).
ROOT=${IMAGES_CONTEXT:-$(cd "$HERE/../.." && pwd)}
cd "$ROOT"
export BUILDAH_ISOLATION=${BUILDAH_ISOLATION:-chroot}

upstream=0 no_cache=0 force=0 services=()
for arg in "$@"; do
    case $arg in
    --upstream) upstream=1 ;;
    --no-cache) no_cache=1 force=1 ;;
    --force) force=1 ;;
    backend | frontend) services+=("$arg") ;;
    all) services+=(backend frontend) ;;
    *) echo "build.sh: unknown argument $arg" >&2; exit 2 ;;
    esac
done
((${#services[@]})) || services=(backend frontend)

GIT_SHA=${GIT_SHA:-$(git rev-parse HEAD 2>/dev/null || echo)}
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
BUILD_TIME=${BUILD_TIME:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
TAG=${IMAGE_TAG:-local}

base_args=()
if ((!upstream)); then
    base_args+=(--build-arg "BASE_IMAGE=$("$HERE/build-base.sh" "$HERE/base-python.list")")
fi

# The machine's CA bundle, mounted into RUN steps: package downloads in the build
# go through the same TLS trust as the host's (a no-op where the base's CAs suffice).
ca_mount=()
[[ -f /etc/ssl/certs/ca-certificates.crt ]] &&
    ca_mount=(-v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro)

inputs_hash() { # SERVICE BUILD_ARGS...
    local service=$1
    shift
    {
        printf '%s\n' "$@" "GIT_SHA=$GIT_SHA" "VERSION=$VERSION"
        sha256sum "Dockerfile.$service" .dockerignore
        # The context the Dockerfiles read; git's view skips ignored files (node_modules, caches).
        { git ls-files -co --exclude-standard -- pyproject.toml uv.lock services tools/delivery 2>/dev/null ||
            find pyproject.toml uv.lock services tools/delivery -type f -not -path '*/node_modules/*'; } |
            LC_ALL=C sort | while read -r f; do [[ -f $f ]] && sha256sum "$f"; done
    } | sha256sum | cut -c1-32
}

# vfs storage keeps every layer as a full copy, so superseded layer-cache images
# add up fast (gigabytes a day of commits). Each service's build records the
# intermediate images it used or made; afterwards every other untagged image is
# removed (podman refuses those still parents of something, which keeps them).
KEEP_DIR=${IMAGES_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gitops-platform/images}
gc_images() {
    local keep id removed
    keep=$(cat "$KEEP_DIR"/keep-*.ids 2>/dev/null | cut -c1-11 | sort -u)
    # Removing a leaf makes its parent dangling: repeat until nothing goes.
    while :; do
        removed=0
        while read -r id; do
            grep -qxF "${id:0:11}" <<<"$keep" && continue
            podman rmi "$id" >/dev/null 2>&1 && removed=1
        done < <(podman images --all --quiet --no-trunc --filter dangling=true | sed 's/^sha256://')
        ((removed)) || break
    done
}

for service in "${services[@]}"; do
    image="localhost/gitops-platform/$service:$TAG"
    args=("${base_args[@]}")
    if [[ $service == frontend ]] && ((!upstream)); then
        args+=(--build-arg "NODE_BASE_IMAGE=$("$HERE/build-base.sh" "$HERE/base-node.list")")
    fi
    hash=$(inputs_hash "$service" "${args[@]}")
    if ((!force)) && [[ $(podman image inspect --format '{{index .Labels "io.gitops-platform.inputs"}}' "$image" 2>/dev/null) == "$hash" ]]; then
        kind=skipped tenths=0
    else
        kind=warm
        ((no_cache)) && kind=cold
        cache=(--layers)
        ((no_cache)) && cache=(--layers --no-cache)
        log="${TMPDIR:-/tmp}/build-$service.log"
        start=${EPOCHREALTIME/./}
        if ! buildah bud "${cache[@]}" -f "Dockerfile.$service" -t "$image" \
            "${ca_mount[@]}" "${args[@]}" \
            --build-arg "GIT_SHA=$GIT_SHA" --build-arg "VERSION=$VERSION" \
            --build-arg "BUILD_TIME=$BUILD_TIME" \
            --label "io.gitops-platform.inputs=$hash" . >"$log" 2>&1; then
            tail -40 "$log" >&2
            echo "build.sh: $service failed; full log in $log" >&2
            exit 1
        fi
        tenths=$(((${EPOCHREALTIME/./} - start) / 100000))
        mkdir -p "$KEEP_DIR"
        grep -oE -e '^--> (Using cache )?[0-9a-f]{11,}' "$log" | grep -oE '[0-9a-f]{11,}$' |
            cut -c1-11 >"$KEEP_DIR/keep-$service-$TAG.ids"
    fi
    read -r size layers < <(podman image inspect --format '{{.Size}} {{len .RootFS.Layers}}' "$image")
    # tenths: tenths of a second; size in bytes, printed in MB (10^6) as podman does.
    printf 'image %s: %s build %d.%ds, size %d.%d MB, %d layers\n' "$image" "$kind" \
        $((tenths / 10)) $((tenths % 10)) $((size / 1000000)) $((size / 100000 % 10)) "$layers"
done

[[ ${IMAGES_GC:-1} == 1 ]] && gc_images
exit 0
