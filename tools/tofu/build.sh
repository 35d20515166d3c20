#!/usr/bin/env bash
# Build OpenTofu, tflint and the providers infra/ uses from the Go module proxy into a cache
# dir keyed by the pins in versions.env, laid out as a provider filesystem mirror,
# with the CLI config that points tofu at it. Prints ROOT on the last line of
# stdout. Warm runs (stamp present) are a no-op.
#
# Layout of $ROOT: bin/{tofu,tflint}, mirror/registry.opentofu.org/<ns>/<type>/<version>/
# linux_amd64/terraform-provider-<type>_v<version>, tofurc (use it as
# TF_CLI_CONFIG_FILE: mirror only, no registry), build-info.txt.
# Env overrides: GITOPS_CACHE (default ~/.cache/gitops-platform).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=versions.env
. "$HERE/versions.env"

CACHE=${GITOPS_CACHE:-$HOME/.cache/gitops-platform}
KEY=tofu-$TOFU_VERSION-kubectl-$KUBECTL_PROVIDER_VERSION-openstack-$OPENSTACK_PROVIDER_VERSION-tflint-$TFLINT_VERSION
ROOT=$CACHE/$KEY
OUT=$ROOT
TAG=tofu-build
PLATFORM=linux_amd64
# shellcheck source=../lib/gobuild.sh
. "$HERE/../lib/gobuild.sh"

provider_dir() { # ADDRESS VERSION: the mirror's unpacked layout
  echo "$ROOT/mirror/registry.opentofu.org/$1/${2#v}/$PLATFORM"
}

complete() {
  [ -f "$ROOT/.complete" ] && [ -x "$ROOT/bin/tofu" ] && [ -x "$ROOT/bin/tflint" ] && [ -f "$ROOT/tofurc" ] || return 1
  [ -x "$(provider_dir "$KUBECTL_PROVIDER_ADDRESS" "$KUBECTL_PROVIDER_VERSION")/terraform-provider-kubectl_$KUBECTL_PROVIDER_VERSION" ] &&
    [ -x "$(provider_dir "$OPENSTACK_PROVIDER_ADDRESS" "$OPENSTACK_PROVIDER_VERSION")/terraform-provider-openstack_$OPENSTACK_PROVIDER_VERSION" ]
}

gobuild_begin
[ "$(go env GOARCH)" = amd64 ] && [ "$(go env GOOS)" = linux ] ||
  { echo "$TAG: only linux/amd64 is built (the lock files pin its hashes)" >&2; exit 3; }
# Reproducible binaries, so the h1: hashes in the lock files match on every machine
# with the same Go. -mod=mod: tofu's go.mod has a replace the copy must resolve.
export GOFLAGS="-mod=mod -trimpath -buildvcs=false"
rm -rf "$ROOT/bin" "$ROOT/mirror" "$ROOT/tofurc"
mkdir -p "$ROOT/bin"
{ echo "go: $(go version)"; echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"; } >"$ROOT/build-info.txt"

# build NAME MODULE VERSION PACKAGE OUTPUT [LDFLAGS]
# `go install MODULE@VERSION` refuses a module whose go.mod has replace directives
# (tofu's hcl/v2 => opentofu/hcl/v2), so build inside a writable copy of the module.
build() {
  local name=$1 mod=$2 ver=$3 pkg=$4 out=$5 ldflags="-s -w ${6:-}" src t0
  t0=$(date +%s)
  src=$(gobuild_moddir "$mod" "$ver")
  rm -rf "$ROOT/src-$name"
  cp -r "$src" "$ROOT/src-$name"
  chmod -R u+w "$ROOT/src-$name" # module cache files are read-only
  log "$name: compiling $mod@$ver (first run also downloads its deps)"
  (cd "$ROOT/src-$name" && go build -ldflags="$ldflags" -o "$out" "$pkg") >&2
  rm -rf "$ROOT/src-$name"
  echo "$name: $mod@$ver $(($(date +%s) - t0))s" >>"$ROOT/build-info.txt"
  log "$name done in $(($(date +%s) - t0))s ($(du -h "$out" | cut -f1))"
}

# dev=no: a release build says "OpenTofu v1.12.6", not "-dev".
build tofu "$TOFU_MODULE" "$TOFU_VERSION" ./cmd/tofu "$ROOT/bin/tofu" \
  "-X github.com/opentofu/opentofu/version.dev=no"
build tflint "$TFLINT_MODULE" "$TFLINT_VERSION" . "$ROOT/bin/tflint"
for p in KUBECTL OPENSTACK; do
  mod=${p}_PROVIDER_MODULE ver=${p}_PROVIDER_VERSION addr=${p}_PROVIDER_ADDRESS
  type=${!addr#*/}
  dir=$(provider_dir "${!addr}" "${!ver}")
  mkdir -p "$dir"
  # A provider's version comes from its release tooling; the registry protocol does
  # not need it, but `tofu version` shows what main.version says.
  build "$type-provider" "${!mod}" "${!ver}" . "$dir/terraform-provider-${type}_${!ver}" \
    "-X main.version=${!ver#v}"
done

# The mirror is the only installation method: nothing is fetched from a registry.
cat >"$ROOT/tofurc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$ROOT/mirror"
    include = ["registry.opentofu.org/*/*"]
  }
  direct {
    exclude = ["*/*/*"]
  }
}
RC
TF_CLI_CONFIG_FILE="$ROOT/tofurc" "$ROOT/bin/tofu" version >>"$ROOT/build-info.txt"
gobuild_done
