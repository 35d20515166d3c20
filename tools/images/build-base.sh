#!/usr/bin/env bash
# Build a local base image from Debian packages with debootstrap and import it
# into podman's storage. It stands in for the upstream base image (python slim,
# node slim), which cannot be pulled where no container registry is reachable.
#
#   tools/images/build-base.sh tools/images/base-python.list
#
# Prints the image reference, localhost/gitops-platform/base-NAME:KEY, on stdout.
# KEY hashes the package list, the Debian suite, the mirror and the rootfs recipe
# (make_rootfs below), so a changed input builds a new base and an unchanged one
# is reused:
#   1. the image is in podman's storage      -> nothing to do;
#   2. the rootfs tarball is in the cache    -> podman import only (seconds);
#   3. otherwise                             -> debootstrap, trim, tar, import (~1 min).
set -euo pipefail

LIST=${1:?usage: build-base.sh PACKAGE_LIST_FILE}
SUITE=${DEBIAN_SUITE:-bookworm}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
CACHE_DIR=${IMAGES_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gitops-platform/images}

log() { echo "build-base: $*" >&2; }

# The recipe. Its source text is part of the cache key.
make_rootfs() { # ROOT PACKAGES
    local root=$1 packages=$2
    debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR"
    # Security updates too, as the upstream images carry them.
    printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' \
        "$MIRROR" "$SUITE" "$MIRROR" "$SUITE" "$SECURITY_MIRROR" "$SUITE" \
        >"$root/etc/apt/sources.list"
    chroot "$root" apt-get update -qq
    # apt, not debootstrap --include, so virtual packages resolve (npm needs some).
    DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get upgrade -y -qq
    DEBIAN_FRONTEND=noninteractive chroot "$root" \
        apt-get install -y -qq --no-install-recommends ${packages//,/ }
    chroot "$root" apt-get clean
    # Trim what a container never uses: apt caches and lists, docs, man pages,
    # locales (C.UTF-8 is built into glibc), logs.
    rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/var/log/* \
        "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
        "$root"/usr/share/locale/* "$root"/tmp/* "$root"/var/tmp/*
    # mktemp made the directory 0700; as the image's / it must be 0755, or a
    # non-root USER cannot reach anything.
    chmod 0755 "$root"
}

name=$(basename "$LIST" .list) # base-python
packages=$(grep -vE '^\s*(#|$)' "$LIST" | tr -s ' \t' '\n' | sort -u | paste -sd, -)
key=$({ echo "suite=$SUITE mirror=$MIRROR $SECURITY_MIRROR packages=$packages"; declare -f make_rootfs; } \
    | sha256sum | cut -c1-16)
ref="localhost/gitops-platform/$name:$key"
tarball="$CACHE_DIR/$name-$SUITE-$key.tar"

if podman image exists "$ref"; then
    log "$ref present (cache hit)"
    echo "$ref"
    exit 0
fi

mkdir -p "$CACHE_DIR"
if [[ ! -s $tarball ]]; then
    root=$(mktemp -d "$CACHE_DIR/rootfs.XXXXXX")
    trap 'rm -rf "$root" "$root.log"' EXIT
    log "debootstrap --variant=minbase $SUITE [$packages] (a minute or two)"
    start=$SECONDS
    make_rootfs "$root" "$packages" >"$root.log" 2>&1 || { tail -30 "$root.log" >&2; exit 1; }
    tar --numeric-owner --xattrs -C "$root" -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
    log "rootfs built in $((SECONDS - start))s: $(du -h "$tarball" | cut -f1)"
fi

log "podman import $tarball -> $ref"
podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    --change "LABEL io.gitops-platform.base.key=$key" \
    --change "LABEL io.gitops-platform.base.packages=$packages" \
    --change "LABEL io.gitops-platform.base.suite=$SUITE" \
    "$tarball" "$ref" >/dev/null

# Superseded bases and tarballs of the same name: nothing we build refers to them.
find "$CACHE_DIR" -maxdepth 1 -name "$name-*.tar" ! -name "$(basename "$tarball")" -delete
podman images --format '{{.Repository}}:{{.Tag}}' "localhost/gitops-platform/$name" \
    | grep -vxF "$ref" | xargs -r podman rmi >/dev/null 2>&1 || true
echo "$ref"
