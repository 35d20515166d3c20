"""Where dev's pods run in ``make run``: the real node, the loopback registry, the releases.

``Artifacts`` starts the registry (``crane registry serve`` on 127.0.0.1) and publishes
what the pipeline built: both images pushed, every backend version derived from the
backend build (``versions.publish``) and, for the real node, the sandbox image. Its
``Releases`` (real digests) are saved in the run's state dir for the other commands.

``LocalNode`` is the real node (``tools.platformkit.node.realnode``): root only. It makes
the bridge first, because the control plane listens on the bridge's address, and starts
containerd, the kubelet and kube-proxy once the control plane answers. Without root the
platform leaves it out and dev's pods are kwok's fakes (``banner.left_out`` says so).
"""

from __future__ import annotations

import os
from pathlib import Path

from tools.localplatform import versions
from tools.platformkit import images, processes
from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.gitops import bootstrap
from tools.platformkit.node import hoststate, nodebins
from tools.platformkit.node.containerd import ContainerdConfig
from tools.platformkit.node.kubelet import NODE_LABEL, NODE_NAME, TAINT_KEY

__all__ = [
    "BACKEND_IP",
    "BACKEND_IPS",
    "NODE_NAME",
    "Artifacts",
    "LocalNode",
    "missing_prerequisites",
]
from tools.platformkit.node.realnode import RealNode
from tools.platformkit.node.registry import Registry

# Each environment's backend Service ClusterIP: there is no cluster DNS, so the board (a
# host process, through kube-proxy's rules) and the frontend pods name it by address.
BACKEND_IPS = {"dev": "10.96.0.80", "staging": "10.96.0.81", "prod": "10.96.0.82"}
BACKEND_IP = BACKEND_IPS["dev"]
NODE_SELECTOR = {NODE_LABEL: "real"}
TOLERATION = {"key": TAINT_KEY, "operator": "Equal", "value": "true", "effect": "NoSchedule"}


def missing_prerequisites() -> list[str]:
    """Why this host cannot run the real node (empty: it can)."""
    return nodebins.missing_prerequisites()


def registry_of(state: Path) -> Registry:
    """The run's registry, its log, PID and manifest journal under STATE."""
    return Registry(nodebins.bin_dir(), state / "registry")


class Artifacts:
    """The registry on loopback and what the run pushed to it."""

    def __init__(self, state: Path) -> None:
        self.registry = registry_of(state)
        self.state = state
        self.releases: versions.Releases | None = None
        self.sandbox = ""
        self.build: images.Build | None = None

    def publish(self, build: images.Build, sandbox: bool) -> versions.Releases:
        self.build = build
        self.registry.start()
        refs = build.refs
        self.releases = versions.publish(nodebins.bin_dir(), self.registry.host, refs)
        self.releases.save(self.state)
        if sandbox:
            self.sandbox = images.sandbox_image(nodebins.bin_dir(), self.registry.host)
        return self.releases

    def restart(self) -> int:
        """The registry again, on its port, with what ``publish`` pushed pushed again: crane
        keeps manifests in memory (the blobs are on disk, so only manifests travel). The
        digests must come out the same, or the overlays would pin images that are gone.
        What the pipeline runner pushed since comes back from the manifest journal. Its PID."""
        self.registry.start()
        if self.build is not None and self.releases is not None:
            again = versions.publish(nodebins.bin_dir(), self.registry.host, self.build.refs)
            lost = {r.digest for r in self.releases.releases} - {r.digest for r in again.releases}
            if lost:
                raise RuntimeError(f"pushed again, the images have other digests: {sorted(lost)}")
            if self.sandbox:
                images.sandbox_image(nodebins.bin_dir(), self.registry.host)
        self.registry.journal.replay(self.registry.url)
        return self.registry.pid

    def stop(self) -> None:
        self.registry.stop()


class LocalNode:
    """The one real node of this machine, for one run."""

    def __init__(self, state: Path) -> None:
        self.node = RealNode(state / "node", nodebins.bin_dir())

    def prepare(self) -> str:
        """Lock the machine's node, put back a killed run's leftovers, make the bridge;
        the node IP (the control plane's address)."""
        bridge = self.node.prepare()
        return bridge.address

    @property
    def cleaned(self) -> list[str]:
        """What ``prepare`` removed that a killed run had left."""
        return self.node.cleaned

    def start(self, cp: ControlPlane, artifacts: Artifacts) -> None:
        registry = artifacts.registry
        self.node.record("registry", registry.pid, str(registry.crane))
        self.node.start(cp, registry.host, artifacts.sandbox)

    def patches(self, deadline: int, backend_ip: str = BACKEND_IP) -> list[bootstrap.Json]:
        return bootstrap.node_patches(NODE_SELECTOR, TOLERATION, backend_ip, deadline=deadline)

    @property
    def pids(self) -> dict[str, int]:
        return dict(self.node.pids)

    def pod_pids(self) -> set[int]:
        """The containers' processes and their shims."""
        socket = ContainerdConfig(self.node.state / "containerd", "", "").socket
        return hoststate.cgroup_pids(hoststate.cgroup_dirs()) | hoststate.shim_pids(str(socket))

    def stop(self) -> list[str]:
        return self.node.stop()


def rss_mib(pids: set[int]) -> float:
    return sum(processes.rss_mib(pid) for pid in pids if pid != os.getpid())
