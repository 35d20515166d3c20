"""A real node beside the control plane: containerd, a kubelet and kube-proxy, on a bridge.

Order: ``prepare`` takes the machine's node lock, puts the host back if an earlier node
was killed (its ledger), writes down the host as it is (``hoststate.Ledger``) and makes
the bridge, whose address the control plane then listens on; ``start`` writes the
configurations, starts containerd, the kubelet (it registers itself, tainted) and
kube-proxy, and waits until the node is Ready and kube-proxy healthy; ``stop`` puts the
host back as the ledger found it. One real node per machine: the device-plugin socket
and the ``kubepods`` cgroups are the host's.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tools.platformkit import binaries, polling, processes
from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.node import hoststate
from tools.platformkit.node.bridge import Bridge, free_subnet
from tools.platformkit.node.containerd import ContainerdConfig
from tools.platformkit.node.kubelet import NODE_NAME, KubeletConfig
from tools.platformkit.node.kubeproxy import KubeProxyConfig


def node_home() -> Path:
    """Machine-wide: the lock and the ledger of the one real node (outlives a killed run)."""
    return binaries.cache_root() / "node"


SOCKET_PATH_MAX = 107  # sun_path, less its terminating NUL


class NodeBusyError(RuntimeError):
    """Another process on this machine runs the real node."""


def _take_lock(home: Path) -> IO[str]:
    home.mkdir(parents=True, exist_ok=True)
    lock = (home / "lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise NodeBusyError(
            f"a real node already runs on this machine (lock {home / 'lock'})"
        ) from None
    return lock


def clean_stale(home: Path | None = None) -> list[str]:
    """Put back what a killed node left on the host (its ledger), in words; nothing when
    no node was killed, or when a live one holds the machine's node lock."""
    home = home or node_home()
    try:
        lock = _take_lock(home)
    except NodeBusyError:
        return []
    with lock:
        stale = hoststate.Ledger.load(home / "ledger.json")
        return hoststate.clean(stale) if stale is not None else []


@dataclass
class RealNode:
    state: Path  # this run's node directory (removed on stop)
    bin_dir: Path
    home: Path = field(default_factory=node_home)
    bridge: Bridge | None = None
    ledger: hoststate.Ledger | None = None
    pids: dict[str, int] = field(default_factory=dict)
    argv: dict[str, list[str]] = field(default_factory=dict)
    env: dict[str, dict[str, str] | None] = field(default_factory=dict)
    cleaned: list[str] = field(default_factory=list)  # what the stale clean-up did
    timings: dict[str, float] = field(default_factory=dict)
    _lock: IO[str] | None = None

    @property
    def ledger_path(self) -> Path:
        return self.home / "ledger.json"

    def log_path(self, component: str) -> Path:
        return self.state / "logs" / f"{component}.log"

    def prepare(self) -> Bridge:
        socket = self.state / "kubelet" / "root" / "pod-resources" / "kubelet.sock"
        if len(str(socket)) > SOCKET_PATH_MAX:
            raise ValueError(
                f"the node's directory {self.state} is too long for the kubelet's Unix sockets "
                f"({socket} exceeds {SOCKET_PATH_MAX} bytes): use a shorter run directory"
            )
        self._lock = _take_lock(self.home)
        stale = hoststate.Ledger.load(self.ledger_path)
        if stale is not None:
            self.cleaned = hoststate.clean(stale)
        (self.state / "logs").mkdir(parents=True, exist_ok=True)
        bridge = Bridge(free_subnet())
        socket = ContainerdConfig(self.state / "containerd", "", "").socket
        self.ledger = hoststate.Ledger.before(self.ledger_path, self.state, bridge.name, socket)
        self.bridge = bridge.up()
        return bridge

    def _spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        if self.ledger is None:
            raise RuntimeError("RealNode.prepare() first")
        self.argv[name], self.env[name] = argv, env
        self.pids[name] = processes.spawn(argv, self.log_path(name), env)
        self.ledger.started(name, self.pids[name], argv[0])

    def restart(self, name: str) -> int:
        """Start NAME (containerd, kubelet, kube-proxy) again as ``start`` did: the same
        configuration, sockets and ports; the ledger records the new PID. Its PID."""
        self._spawn(name, self.argv[name], self.env[name])
        return self.pids[name]

    def alive(self, name: str) -> bool:
        pid = self.pids.get(name)
        return pid is not None and processes.is_ours(pid, self.argv[name][0])

    def _wait(self, name: str, what: str, check: Callable[[], bool], timeout: float) -> None:
        started = time.monotonic()
        try:
            polling.wait_for(
                what, check, timeout, alive=lambda: self.alive(name),
                tolerate=processes.CONNECTION_ERRORS,
            )  # fmt: skip
        except (RuntimeError, TimeoutError) as exc:
            tail = processes.log_tail(self.log_path(name), 15)
            raise RuntimeError(f"{exc}\n--- {name} log ---\n{tail}") from None
        self.timings[name] = round(time.monotonic() - started, 2)

    def start(self, cp: ControlPlane, registry: str, sandbox_image: str) -> None:
        bridge = self.bridge
        if bridge is None:
            raise RuntimeError("RealNode.prepare() first")
        ctr = ContainerdConfig(self.state / "containerd", registry, sandbox_image)
        ctr.write(bridge.cni_config(self.state / "cni-ipam"))
        path = f"{self.bin_dir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        self._spawn("containerd", ctr.argv(self.bin_dir), {"PATH": path})
        ctl = [str(self.bin_dir / "ctr"), "--address", str(ctr.socket), "version"]

        def answers() -> bool:
            return subprocess.run(ctl, capture_output=True, check=False).returncode == 0

        self._wait("containerd", "containerd answers", answers, 30)
        cluster = f"gitops-{cp.name}"
        kubelet = KubeletConfig(
            self.state / "kubelet", bridge.address, ctr.socket,
            port=processes.free_port(), healthz_port=processes.free_port(),
        )  # fmt: skip
        kubelet.write(cp.pki, cp.server, cluster)
        self._spawn("kubelet", kubelet.argv(self.bin_dir), {"PATH": path})
        api = cp.api()

        def ready() -> bool:
            code, node = api.request("GET", f"/api/v1/nodes/{NODE_NAME}")
            conditions = node.get("status", {}).get("conditions", []) if code == 200 else []
            return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)

        self._wait("kubelet", f"node {NODE_NAME} Ready", ready, 60)
        proxy = KubeProxyConfig(
            self.state / "kube-proxy", NODE_NAME, bridge.subnet,
            healthz_port=processes.free_port(), metrics_port=processes.free_port(),
        )  # fmt: skip
        proxy.write(cp.pki, cp.server, cluster)
        self._spawn("kube-proxy", proxy.argv(self.bin_dir), {"PATH": path})
        port = proxy.healthz_port
        self._wait("kube-proxy", "kube-proxy healthy",
                   lambda: processes.http_get(port, "/healthz")[0] == 200, 30)  # fmt: skip

    def record(self, name: str, pid: int, binary: str) -> None:
        """A process started beside the node (the registry) that ``stop`` must end too."""
        if self.ledger is not None:
            self.ledger.started(name, pid, binary)

    def stop(self) -> list[str]:
        done: list[str] = []
        if self.ledger is not None:
            proxy = self.bin_dir / "kube-proxy"
            if self.alive("kube-proxy"):
                processes.stop(self.pids["kube-proxy"], str(proxy), 5)
            if proxy.exists():
                subprocess.run(
                    [str(proxy), "--cleanup"], capture_output=True, check=False, timeout=60,
                    env={**os.environ, "PATH": f"{self.bin_dir}:/usr/sbin:/usr/bin:/sbin:/bin"},
                )  # fmt: skip
            done = hoststate.clean(self.ledger)
            self.ledger = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        return done
