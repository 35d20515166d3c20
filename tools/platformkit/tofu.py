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
import shutil
import subprocess
import time
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


def pins() -> dict[str, str]:
    return dict(
        line.split("=", 1)
        for line in VERSIONS_FILE.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )


def build_root() -> Path:
    p = pins()
    key = (
        f"tofu-{p['TOFU_VERSION']}-kubectl-{p['KUBECTL_PROVIDER_VERSION']}"
        f"-openstack-{p['OPENSTACK_PROVIDER_VERSION']}-tflint-{p['TFLINT_VERSION']}"
    )
    return binaries.cache_root() / key


def is_built() -> bool:
    root = build_root()
    return (root / ".complete").exists() and all(
        (root / "bin" / tool).exists() for tool in ("tofu", "tflint")
    )


def missing_prerequisites() -> list[str]:
    if is_built():
        return []
    return [] if shutil.which("go") else ["go (to build OpenTofu and its providers once)"]


def ensure_built() -> Path:
    if not is_built():
        subprocess.run(["bash", str(BUILD_SCRIPT)], check=True, stdout=subprocess.DEVNULL)
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
