"""OpenTofu and its providers, built by ``tools/tofu/build.sh``, run against ``infra/``.

Every run names its CLI configuration (``TF_CLI_CONFIG_FILE``: the build's provider
mirror, nothing from a registry) and its data directory (``TF_DATA_DIR``: the
``.terraform`` of one run, outside the repository), so no ``terraform`` binary, home
directory setting or earlier run is ever used. The lock files in ``infra/`` are read
only (``-lockfile=readonly``): a provider whose hash differs fails ``init``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.platformkit import binaries
from tools.platformkit.paths import REPO_ROOT

INFRA = REPO_ROOT / "infra"
BUILD_SCRIPT = REPO_ROOT / "tools" / "tofu" / "build.sh"
VERSIONS_FILE = REPO_ROOT / "tools" / "tofu" / "versions.env"
# Every module and root module, each with its own lock file.
MODULES = ("modules/bootstrap", "modules/cluster/openstack", "live/local", "live/openstack")
LOCAL_MODULE = "live/local"  # the only one `make run` applies
PLATFORM = "linux_amd64"  # the one the lock files pin hashes for


def pins() -> dict[str, str]:
    return dict(
        line.split("=", 1)
        for line in VERSIONS_FILE.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )


def providers() -> dict[str, str]:
    """Each provider part (``kubectl``: the ``KUBECTL_PROVIDER_*`` pins) and its address."""
    suffix = "_PROVIDER_ADDRESS"
    return {k.removesuffix(suffix).lower(): v for k, v in pins().items() if k.endswith(suffix)}


def all_parts() -> tuple[str, ...]:
    """What the full build (``build.sh`` without arguments) makes, in its order."""
    return ("tofu", "tflint", *providers())


def locked_addresses(lock_text: str) -> list[str]:
    """The provider addresses (``gavinbunney/kubectl``) a ``.terraform.lock.hcl`` lists."""
    return re.findall(r'^provider "registry\.opentofu\.org/([^"]+)"', lock_text, re.MULTILINE)


def module_parts(module: str) -> tuple[str, ...]:
    """The parts ``tofu init`` in ``infra/<module>`` needs: tofu and its locked providers."""
    lock = INFRA / module / ".terraform.lock.hcl"
    by_address = {address: part for part, address in providers().items()}
    locked = locked_addresses(lock.read_text())
    unpinned = [a for a in locked if a not in by_address]
    if unpinned:
        raise ValueError(f"{lock} locks {', '.join(unpinned)}, which {VERSIONS_FILE} does not pin")
    wanted = {by_address[a] for a in locked}
    return ("tofu", *(part for part in providers() if part in wanted))


def local_parts() -> tuple[str, ...]:
    """What ``make run`` needs (it applies only infra/live/local): ``build.sh --only-local``."""
    return module_parts(LOCAL_MODULE)


def build_root() -> Path:
    """One root for every selection of parts: a full build adds to a partial one."""
    p = pins()
    key = (
        f"tofu-{p['TOFU_VERSION']}-kubectl-{p['KUBECTL_PROVIDER_VERSION']}"
        f"-openstack-{p['OPENSTACK_PROVIDER_VERSION']}-tflint-{p['TFLINT_VERSION']}"
    )
    return binaries.cache_root() / key


def part_binary(part: str, root: Path | None = None) -> Path:
    """Where ``build.sh`` puts a part: ``bin/<tool>``, or the provider mirror's layout."""
    root = root or build_root()
    if part in ("tofu", "tflint"):
        return root / "bin" / part
    p = pins()
    address, version = providers()[part], p[f"{part.upper()}_PROVIDER_VERSION"]
    kind = address.split("/")[1]
    return (
        root / "mirror" / "registry.opentofu.org" / address / version.removeprefix("v")
        / PLATFORM / f"terraform-provider-{kind}_{version}"
    )  # fmt: skip


def is_built(parts: Iterable[str] | None = None) -> bool:
    """Whether every part (all of them by default) is built: its stamp, or the full
    build's ``.complete``, and its binary. A full build satisfies every selection."""
    root = build_root()
    full = (root / ".complete").is_file()
    return (root / "tofurc").is_file() and all(
        (full or (root / f".{part}-complete").is_file())
        and os.access(part_binary(part, root), os.X_OK)
        for part in (all_parts() if parts is None else parts)
    )


def missing_prerequisites(parts: Iterable[str] | None = None) -> list[str]:
    if is_built(parts):
        return []
    return [] if shutil.which("go") else ["go (to build OpenTofu and its providers once)"]


def ensure_built(parts: Iterable[str] | None = None) -> Path:
    """Build (or reuse) the parts, all of them by default; a cold build prints its
    progress on stderr."""
    wanted = all_parts() if parts is None else tuple(parts)
    unknown = sorted(set(wanted) - set(all_parts()))
    if unknown:
        raise ValueError(f"no such part: {', '.join(unknown)} (parts: {', '.join(all_parts())})")
    if not is_built(wanted):
        selection = [] if set(wanted) == set(all_parts()) else list(wanted)
        subprocess.run(
            ["bash", str(BUILD_SCRIPT), *selection], check=True, stdout=subprocess.DEVNULL
        )
    if not is_built(wanted):
        raise RuntimeError(f"{BUILD_SCRIPT} finished but {build_root()} lacks {wanted}")
    return build_root()


@dataclass
class Tofu:
    """``tofu`` in one working directory of ``infra/``, with its own data dir."""

    module: str  # one of MODULES
    data_dir: Path
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        root = build_root()
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.data_dir),
            "TF_CLI_CONFIG_FILE": str(root / "tofurc"),
            "TF_DATA_DIR": str(self.data_dir / ".terraform"),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "NO_COLOR": "1",
        }

    def run(
        self, *args: str, check: bool = True, timeout: float = 300, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        argv = [str(build_root() / "bin" / "tofu"), f"-chdir={INFRA / self.module}", *args]
        started = time.monotonic()
        result = subprocess.run(
            argv, env=self.env, input=stdin, capture_output=True, text=True, timeout=timeout,
            check=False,
        )  # fmt: skip
        self.timings[args[0]] = round(time.monotonic() - started, 2)
        if check and result.returncode != 0:
            output = f"{result.stdout}\n{result.stderr}"
            raise RuntimeError(f"tofu {' '.join(args)} exited {result.returncode}:\n{output}")
        return result

    def init(self, state: Path | None = None) -> Tofu:
        backend = [f"-backend-config=path={state}"] if state else ["-backend=false"]
        self.run("init", "-input=false", "-no-color", "-lockfile=readonly", *backend)
        return self

    def var_file(self, values: dict[str, Any]) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "run.tfvars.json"
        path.write_text(json.dumps(values, indent=2))
        return f"-var-file={path}"
