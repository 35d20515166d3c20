#!/usr/bin/env bash
# Build OpenTofu, tflint and the providers infra/ uses from the Go module proxy into a cache
# dir keyed by the pins in versions.env, laid out as a provider filesystem mirror,
# with the CLI config that points tofu at it. Prints ROOT on the last line of
# stdout. Warm runs (stamps present) are a no-op.
#
#   build.sh               every part: what `make test`, `make infra-check` and CI use
#   build.sh --only-local  tofu and the providers infra/live/local's lock file lists
#                          (what `make run` applies): no tflint, no openstack provider
#   build.sh PART...       those parts: tofu, tflint, or a provider (kubectl, openstack:
#                          the <NAME>_PROVIDER_* keys of versions.env, lower-cased)
#   build.sh --list [...]  print the parts the other arguments select; build nothing
#
# Every selection builds into the same ROOT: each part has its own stamp
# (.<part>-complete), a part already built is reused, and a later full build adds only
# what is missing (a partial `make run` build is never compiled twice). The full build
# also writes .complete, which stands for every part. All builds share the Go build
# cache (GOCACHE, ~/.cache/go-build), so a part's dependencies that an earlier build
# (the control plane, Flux, another part) compiled are not compiled again.
#
# Layout of $ROOT: bin/{tofu,tflint}, mirror/registry.opentofu.org/<ns>/<type>/<version>/
# linux_amd64/terraform-provider-<type>_v<version>, tofurc (use it as
# TF_CLI_CONFIG_FILE: mirror only, no registry), build-info.txt.
# Env overrides: GITOPS_CACHE (default ~/.cache/gitops-platform).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=versions.env
. "$HERE/versions.env"
LOCAL_LOCK=$HERE/../../infra/live/local/.terraform.lock.hcl

CACHE=${GITOPS_CACHE:-$HOME/.cache/gitops-platform}
KEY=tofu-$TOFU_VERSION-kubectl-$KUBECTL_PROVIDER_VERSION-openstack-$OPENSTACK_PROVIDER_VERSION-tflint-$TFLINT_VERSION
ROOT=$CACHE/$KEY
OUT=$ROOT
TAG=tofu-build
PLATFORM=linux_amd64
# shellcheck source=../lib/gobuild.sh
. "$HERE/../lib/gobuild.sh"
# The providers, in versions.env order: KUBECTL OPENSTACK.
mapfile -t PROVIDERS < <(sed -n 's/^\([A-Z0-9_]*\)_PROVIDER_ADDRESS=.*/\1/p' "$HERE/versions.env")
ALL_PARTS=(tofu tflint)
for p in "${PROVIDERS[@]}"; do ALL_PARTS+=("${p,,}"); done

# The parts a root module needs: tofu and every provider its lock file lists.
lock_parts() { # LOCKFILE
  local addr p found
  echo tofu
  while read -r addr; do
    found=
    for p in "${PROVIDERS[@]}"; do
      local a=${p}_PROVIDER_ADDRESS
      if [ "${!a}" = "$addr" ]; then echo "${p,,}"; found=1; fi
    done
    [ -n "$found" ] || { echo "$TAG: $1 locks $addr, which versions.env does not pin" >&2; return 3; }
  done < <(sed -n 's|^provider "registry\.opentofu\.org/\([^"]*\)".*|\1|p' "$1")
}

LIST=
WANT=()
for arg in "$@"; do
  case $arg in
    --list) LIST=1 ;;
    --only-local)
      local_parts=$(lock_parts "$LOCAL_LOCK") # exits here if the lock names an unpinned provider
      mapfile -t parts <<<"$local_parts"
      WANT+=("${parts[@]}")
      ;;
    -*) echo "$TAG: unknown option $arg (--only-local, --list, or parts: ${ALL_PARTS[*]})" >&2; exit 2 ;;
    *)
      [[ " ${ALL_PARTS[*]} " == *" $arg "* ]] ||
        { echo "$TAG: unknown part $arg (parts: ${ALL_PARTS[*]})" >&2; exit 2; }
      WANT+=("$arg")
      ;;
  esac
done
PARTS=()
for p in "${ALL_PARTS[@]}"; do # canonical order, once each
  if [ "${#WANT[@]}" -eq 0 ] || [[ " ${WANT[*]} " == *" $p "* ]]; then PARTS+=("$p"); fi
done
FULL=
if [ "${#PARTS[@]}" -eq "${#ALL_PARTS[@]}" ]; then FULL=1; fi
if [ -n "$LIST" ]; then echo "${PARTS[*]}"; exit 0; fi

provider_dir() { # ADDRESS VERSION: the mirror's unpacked layout
  echo "$ROOT/mirror/registry.opentofu.org/$1/${2#v}/$PLATFORM"
}

# What a part builds, one argument of `build` a line: NAME MODULE VERSION PACKAGE
# OUTPUT LDFLAGS.
part_spec() {
  case $1 in
    # dev=no: a release build says "OpenTofu v1.12.6", not "-dev".
    tofu) printf '%s\n' tofu "$TOFU_MODULE" "$TOFU_VERSION" ./cmd/tofu "$ROOT/bin/tofu" \
      "-X github.com/opentofu/opentofu/version.dev=no" ;;
    tflint) printf '%s\n' tflint "$TFLINT_MODULE" "$TFLINT_VERSION" . "$ROOT/bin/tflint" "" ;;
    *)
      local P=${1^^} mod ver addr type
      mod=${P}_PROVIDER_MODULE ver=${P}_PROVIDER_VERSION addr=${P}_PROVIDER_ADDRESS
      type=${!addr#*/}
      # A provider's version comes from its release tooling; the registry protocol does
      # not need it, but `tofu version` shows what main.version says.
      printf '%s\n' "$type-provider" "${!mod}" "${!ver}" . \
        "$(provider_dir "${!addr}" "${!ver}")/terraform-provider-${type}_${!ver}" \
        "-X main.version=${!ver#v}"
      ;;
  esac
}

part_output() { part_spec "$1" | sed -n 5p; }

# A part is built when its stamp (or the full build's .complete) and its binary are there.
part_complete() {
  { [ -f "$ROOT/.$1-complete" ] || [ -f "$ROOT/.complete" ]; } && [ -x "$(part_output "$1")" ]
}

complete() {
  local p
  [ -f "$ROOT/tofurc" ] || return 1
  for p in "${PARTS[@]}"; do part_complete "$p" || return 1; done
}

gobuild_begin
[ "$(go env GOARCH)" = amd64 ] && [ "$(go env GOOS)" = linux ] ||
  { echo "$TAG: only linux/amd64 is built (the lock files pin its hashes)" >&2; exit 3; }
# Reproducible binaries, so the h1: hashes in the lock files match on every machine
# with the same Go. -mod=mod: tofu's go.mod has a replace the copy must resolve.
export GOFLAGS="-mod=mod -trimpath -buildvcs=false"
mkdir -p "$ROOT/bin"
{ echo "go: $(go version)"; echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) (parts: ${PARTS[*]})"; } >>"$ROOT/build-info.txt"

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

# A cache built before the per-part stamps has only .complete: give each of its
# parts its own stamp before a rebuilt part removes .complete.
if [ -f "$ROOT/.complete" ]; then
  for part in "${ALL_PARTS[@]}"; do
    if part_complete "$part" && [ ! -f "$ROOT/.$part-complete" ]; then
      echo "(from .complete)" >"$ROOT/.$part-complete"
    fi
  done
fi
for part in "${PARTS[@]}"; do
  if part_complete "$part"; then log "$part: reused (built earlier into $ROOT)"; continue; fi
  mapfile -t spec < <(part_spec "$part")
  # The full stamp stands for every part: gone until a full build completes again.
  rm -f "$ROOT/.complete" "$ROOT/.$part-complete" "${spec[4]}"
  mkdir -p "$(dirname "${spec[4]}")"
  build "${spec[@]}"
  echo "${spec[1]}@${spec[2]}" >"$ROOT/.$part-complete"
done

# The mirror is the only installation method: nothing is fetched from a registry.
# Written whole then renamed: a reader never sees half of it.
cat >"$ROOT/tofurc.tmp" <<RC
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
mv "$ROOT/tofurc.tmp" "$ROOT/tofurc"
if [ -x "$ROOT/bin/tofu" ]; then
  TF_CLI_CONFIG_FILE="$ROOT/tofurc" "$ROOT/bin/tofu" version >>"$ROOT/build-info.txt"
fi
if [ -n "$FULL" ]; then gobuild_done; else
  log "parts ${PARTS[*]} complete in $(($(date +%s) - GOBUILD_START))s"
  echo "$OUT"
fi
