"""The binaries of a real Kubernetes node, built by ``tools/node/build.sh``.

kubelet and kube-proxy at the control plane's ``K8S_VERSION`` (``tools/cluster/
versions.env``, not repeated), containerd with its runc shim and ``ctr``, and crane at
the pins in ``tools/node/versions.env``, and the pod sandbox ("pause") program from
``tools/node/sandbox``. The cache dir is keyed by every pin and a hash of the sandbox
sources, so changing either builds anew. runc, the CNI plugins and iptables come from
Debian (``tools/setup-system.sh``); ``missing_prerequisites`` says what the host lacks.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from tools.platformkit import binaries
from tools.platformkit.paths import REPO_ROOT

VERSIONS_FILE = REPO_ROOT / "tools" / "node" / "versions.env"
BUILD_SCRIPT = REPO_ROOT / "tools" / "node" / "build.sh"
SANDBOX_DIR = REPO_ROOT / "tools" / "node" / "sandbox"
# In build.sh's order: crane and the sandbox first (small; crane is wanted early).
BINARIES = (
    "crane",
    "sandbox",
    "containerd",
    "containerd-shim-runc-v2",
    "ctr",
    "kubelet",
    "kube-proxy",
)
# How each binary reports its version, as build.sh's smoke test asks: the shim only
# knows -v and crane has a subcommand; the others take --version.
VERSION_ARGS: Mapping[str, tuple[str, ...]] = {
    name: {"crane": ("version",), "containerd-shim-runc-v2": ("-v",)}.get(name, ("--version",))
    for name in BINARIES
}
# Debian's paths (packages runc, containernetworking-plugins, iptables, conntrack).
RUNC = Path("/usr/sbin/runc")
CNI_DIR = Path("/usr/lib/cni")
CNI_PLUGINS = ("bridge", "host-local", "loopback")
IPTABLES = Path("/usr/sbin/iptables")
CONNTRACK = Path("/usr/sbin/conntrack")


def pins() -> dict[str, str]:
    """``K8S_VERSION`` (the control plane's), ``CONTAINERD_VERSION`` and ``CRANE_VERSION``."""
    node = binaries.read_env_file(VERSIONS_FILE)
    return {
        "K8S_VERSION": binaries.read_env_file(binaries.VERSIONS_FILE)["K8S_VERSION"],
        "CONTAINERD_VERSION": node["CONTAINERD_VERSION"],
        "CRANE_VERSION": node["CRANE_VERSION"],
    }


def sandbox_hash(directory: Path | None = None) -> str:
    """First 12 hex of sha256 over ``sha256sum``'s lines for the sandbox's go.mod, go.sum
    and ``*.go``, in name order: what build.sh computes for its cache key."""
    directory = directory or SANDBOX_DIR
    sources = sorted(
        p for p in directory.iterdir()
        if p.is_file() and (p.name in ("go.mod", "go.sum") or p.suffix == ".go")
    )  # fmt: skip
    lines = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in sources)
    return hashlib.sha256(lines.encode()).hexdigest()[:12]


def build_root(pinned: Mapping[str, str] | None = None, sandbox: str | None = None) -> Path:
    """The cache dir for these pins (default: the files') and sandbox hash; must match
    ROOT in tools/node/build.sh (``build.sh --print-root``)."""
    p = pins() if pinned is None else pinned
    key = (
        f"node-k8s-{p['K8S_VERSION']}-containerd-{p['CONTAINERD_VERSION']}"
        f"-crane-{p['CRANE_VERSION']}-sandbox-{sandbox or sandbox_hash()}"
    )
    return binaries.cache_root() / key


def bin_dir() -> Path:
    return build_root() / "bin"


def is_built() -> bool:
    root = build_root()
    return (root / ".complete").is_file() and all(
        os.access(root / "bin" / name, os.X_OK) for name in BINARIES
    )


def _build_missing() -> list[str]:
    if is_built() or shutil.which("go"):
        return []
    return [f"go (`go` not on PATH; Go >= 1.26 builds the node binaries once into {build_root()})"]


def _present(name: str, path: Path) -> bool:
    # As a user, /usr/sbin is often off PATH though the package is installed.
    return shutil.which(name) is not None or path.exists()


def missing_prerequisites() -> list[str]:
    """What this host lacks to run a node, one sentence each; empty when it can."""
    missing = _build_missing()
    if not _present("runc", RUNC):
        missing.append("runc (containerd's OCI runtime; apt-get install runc)")
    absent = [name for name in CNI_PLUGINS if not (CNI_DIR / name).exists()]
    if absent:
        missing.append(
            f"CNI plugins {', '.join(absent)} in {CNI_DIR} "
            "(pod networking; apt-get install containernetworking-plugins)"
        )
    if not _present("iptables", IPTABLES):
        missing.append("iptables (kube-proxy writes Service rules; apt-get install iptables)")
    if os.geteuid() != 0:
        missing.append("root (kubelet and containerd mount, create namespaces and cgroups)")
    return missing


def missing_optional() -> list[str]:
    """What a node runs without, but worse: conntrack (kube-proxy flushes stale UDP
    flows of a changed Service with it; without, they linger until they time out)."""
    if _present("conntrack", CONNTRACK):
        return []
    return ["conntrack (apt-get install conntrack)"]


def ensure_built() -> Path:
    """Build (or reuse) the binaries; return the bin dir. A cold build's progress
    streams to stderr."""
    if is_built():
        return bin_dir()
    missing = _build_missing()
    if missing:
        raise binaries.MissingPrerequisiteError("; ".join(missing))
    proc = subprocess.run(
        ["bash", str(BUILD_SCRIPT)], stdout=subprocess.PIPE, text=True, check=False
    )
    if proc.returncode != 0 or not is_built():
        raise RuntimeError(f"{BUILD_SCRIPT} failed with exit code {proc.returncode}")
    printed = (proc.stdout.strip().splitlines() or [""])[-1]
    if Path(printed) != bin_dir():
        raise RuntimeError(f"{BUILD_SCRIPT} printed {printed!r}, expected {bin_dir()}")
    return bin_dir()
