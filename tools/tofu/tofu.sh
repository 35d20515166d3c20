#!/usr/bin/env bash
# Run the project's OpenTofu (built by build.sh) with its provider mirror: the CLI
# configuration is always named explicitly, so a machine's TF_CLI_CONFIG_FILE, a
# ~/.terraformrc or a `terraform` binary on PATH are never used.
#   tools/tofu/tofu.sh -chdir=infra/live/openstack plan -var-file=prod.tfvars
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(bash "$HERE/build.sh" | tail -n1)
export TF_CLI_CONFIG_FILE="$ROOT/tofurc"
exec "$ROOT/bin/tofu" "$@"
