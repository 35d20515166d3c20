#!/usr/bin/env bash
# System packages the test tiers need beyond Python: Debian's Chromium for the
# browser tier (Playwright never downloads a browser here) and, through
# tools/images/setup.sh, buildah/podman/debootstrap for the image tier.
# Idempotent and quiet when everything is present. As root it installs what is
# missing; otherwise it says what is missing and leaves the tiers to skip loudly
# (or to fail, under CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for pkg in chromium git redis-server; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
command -v npm >/dev/null || missing+=(npm)

if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
        echo "setup-system: installing ${missing[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "setup-system: missing ${missing[*]}; install them (apt-get install ${missing[*]})" >&2
        [[ ${CI:-} == true ]] && exit 1
    fi
fi

if [[ $(id -u) -eq 0 ]]; then
    bash tools/images/setup.sh
elif [[ ${CI:-} == true ]]; then
    bash tools/images/setup.sh
else
    bash tools/images/setup.sh || echo "setup-system: image tier prerequisites missing (see above)" >&2
fi
