#!/usr/bin/env bash
# Install and configure what the image tier needs on a fresh Debian machine:
# buildah, podman, runc, debootstrap; the vfs storage driver (no overlay mounts
# in this sandbox); runc as podman's runtime (crun cannot set rlimits here) with
# ulimits runc is allowed to set. Idempotent and quiet when all is in place.
#
# Needs root for a first run (apt-get, /etc/containers). Called by the image
# tests' fixture and by `make images`.
set -euo pipefail

# dnsname: service names resolve on compose's bridge network (podman 4.3 + CNI).
PACKAGES=(buildah podman runc debootstrap uidmap containernetworking-plugins
    golang-github-containernetworking-plugin-dnsname)
STORAGE_CONF=/etc/containers/storage.conf
CONTAINERS_CONF=/etc/containers/containers.conf.d/50-gitops-platform.conf

need_root() {
    if [[ $(id -u) -ne 0 ]]; then
        echo "setup.sh: $1, and this is not root: run tools/images/setup.sh as root once" >&2
        exit 1
    fi
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$pkg")
done
if ((${#missing[@]})); then
    need_root "Debian packages ${missing[*]} are missing"
    echo "setup.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! grep -qE '^\s*driver\s*=\s*"vfs"' "$STORAGE_CONF" 2>/dev/null; then
    need_root "$STORAGE_CONF does not select the vfs driver"
    mkdir -p "$(dirname "$STORAGE_CONF")"
    if [[ -f $STORAGE_CONF ]]; then cp "$STORAGE_CONF" "$STORAGE_CONF.bak"; fi
    cat >"$STORAGE_CONF" <<'CONF'
# Written by tools/images/setup.sh: overlay mounts are unavailable here.
[storage]
driver = "vfs"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
CONF
    echo "setup.sh: wrote $STORAGE_CONF (driver = vfs)" >&2
fi

# podman as root asks runc for nofile=1048576 and a huge nproc; without
# CAP_SYS_RESOURCE here runc's setrlimit then fails ("error setting rlimit type 7").
# Explicit limits at or below the machine's hard limits avoid that.
cap() { local hard=$1; [[ $hard == unlimited || $hard -gt 16384 ]] && echo 16384 || echo "$hard"; }
nofile=$(cap "$(ulimit -Hn)") nproc=$(cap "$(ulimit -Hu)")
desired=$(
    cat <<CONF
# Written by tools/images/setup.sh.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
CONF
)
if [[ "$(cat "$CONTAINERS_CONF" 2>/dev/null)" != "$desired" ]]; then
    need_root "$CONTAINERS_CONF is missing or out of date"
    mkdir -p "$(dirname "$CONTAINERS_CONF")"
    printf '%s\n' "$desired" >"$CONTAINERS_CONF"
    echo "setup.sh: wrote $CONTAINERS_CONF (runtime runc, ulimits)" >&2
fi

echo "setup.sh: buildah $(buildah --version | awk '{print $3}'), podman $(podman --version | awk '{print $3}'), vfs storage, runc" >&2
