#!/usr/bin/env bash
# System packages the test tiers need beyond Python: Debian's Chromium for the
# browser tier (Playwright never downloads a browser here), what a real node runs
# beside tools/node's binaries (runc, the CNI plugins, iptables; conntrack when the
# archive has it) and, through tools/images/setup.sh, buildah/podman/debootstrap
# for the image tier.
# Idempotent and quiet when everything is present. As root it installs what is
# missing; otherwise it says what is missing and leaves the tiers to skip loudly
# (or to fail, under CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
available() { apt-cache show "$1" >/dev/null 2>&1; }

missing=()
for pkg in chromium git redis-server runc containernetworking-plugins iptables; do
    installed "$pkg" || missing+=("$pkg")
done
command -v npm >/dev/null || missing+=(npm)
# conntrack is optional (kube-proxy runs without it): installed when the package
# lists know it, never a reason to fail.
optional=()
if ! installed conntrack && available conntrack; then optional+=(conntrack); fi

if ((${#missing[@]} + ${#optional[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        if ((${#optional[@]} == 0)) && ! installed conntrack && available conntrack; then
            optional+=(conntrack)
        fi
        install=("${missing[@]}" "${optional[@]}")
        echo "setup-system: installing ${install[*]}" >&2
        apt-get install -y -qq --no-install-recommends "${install[@]}" >/dev/null
    else
        if ((${#optional[@]})); then
            echo "setup-system: optional ${optional[*]} not installed (apt-get install ${optional[*]})" >&2
        fi
        if ((${#missing[@]})); then
            echo "setup-system: missing ${missing[*]}; install them (apt-get install ${missing[*]})" >&2
            [[ ${CI:-} == true ]] && exit 1
        fi
    fi
fi

if [[ $(id -u) -eq 0 ]]; then
    bash tools/images/setup.sh
elif [[ ${CI:-} == true ]]; then
    bash tools/images/setup.sh
else
    bash tools/images/setup.sh || echo "setup-system: image tier prerequisites missing (see above)" >&2
fi
