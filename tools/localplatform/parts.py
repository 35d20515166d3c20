"""What ``make run``'s supervisor looks after: every part the platform started, with how
to tell it runs and how to start it again the same way (tools/localplatform/supervisor.py).

The git server is a process of its own here (not a thread of ``make run``), so that it
can be killed and started again like the rest, on the same port: Flux's GitRepository
names that URL.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from tools.localplatform.supervisor import Part, Supervisor
from tools.platformkit import processes
from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.gitops.gitserver import GitServer
from tools.platformkit.polling import wait_for
from tools.platformkit.processes import ServiceProcess

if TYPE_CHECKING:
    from tools.localplatform.orchestrator import Platform

GIT_SERVER = "git server"
REGISTRY = "registry"
BOARD = "board"
RUNNER = "pipeline runner"
NODE_PREFIX = "node "  # current.json names the real node's daemons "node kubelet", ...
T = TypeVar("T")


class GitServerProcess:
    """``python -m tools.platformkit.gitops.gitserver`` serving SERVER's root on its port."""

    def __init__(self, server: GitServer, log: Path) -> None:
        self.server, self.log = server, log
        server.port = server.port or processes.free_port()
        self.pid = 0

    @property
    def argv(self) -> list[str]:
        module = "tools.platformkit.gitops.gitserver"
        return [sys.executable, "-m", module, str(self.server.root), "--port",
                str(self.server.port)]  # fmt: skip

    def start(self, timeout: float = 30) -> GitServerProcess:
        self.server.root.mkdir(parents=True, exist_ok=True)
        self.pid = processes.spawn(self.argv, self.log, {"PYTHONUNBUFFERED": "1"})
        wait_for(f"the git server on port {self.server.port}",
                 lambda: processes.http_get(self.server.port, "/")[0] > 0, timeout,
                 every=0.05, alive=self.alive, tolerate=processes.CONNECTION_ERRORS)  # fmt: skip
        return self

    def restart(self) -> int:
        self.stop()  # reaps the one that exited: is_ours cannot see a zombie (no /proc/PID/exe)
        return self.start().pid

    def alive(self) -> bool:
        return bool(self.pid) and processes.is_ours(self.pid, sys.executable)

    def stop(self) -> None:
        if self.pid:
            processes.stop(self.pid, sys.executable, timeout=5)
        self.pid = 0


def supervisor(platform: Platform) -> Supervisor:
    """Every part PLATFORM runs, registered under the name ``current.json`` gives its PID."""

    def recorded(name: str, pid: int) -> None:
        platform.info.pids[name] = pid
        platform.info.save(platform.root)

    found = Supervisor(platform.state / "held", platform.console.warn, recorded)

    def add(name: str, alive: Callable[[], bool], restart: Callable[[], int], log: Path) -> None:
        found.add(Part(name, alive, restart, log))

    if (cp := platform.cp) is not None:
        for component in list(cp.pids):
            add(component, _bind(cp.alive, component), _cp_restart(cp, component),
                cp.log_path(component))  # fmt: skip
    if (local := platform.node) is not None:
        real = local.node
        for daemon in list(real.pids):
            add(NODE_PREFIX + daemon, _bind(real.alive, daemon), _bind(real.restart, daemon),
                real.log_path(daemon))  # fmt: skip
    registry = platform.artifacts.registry
    if registry.pid:
        add(REGISTRY, registry.alive, lambda: _registry_restart(platform), registry.log_path)
    if platform.git is not None:
        add(GIT_SERVER, platform.git.alive, platform.git.restart, platform.git.log)
    if (flux := platform.flux) is not None:
        for controller in list(flux.pids):
            add(controller, _bind(flux.running, controller), _bind(flux.restart, controller),
                flux.log_path(controller))  # fmt: skip
    if (board := platform.board) is not None:
        add(BOARD, board.alive, _board_restart(board), board.log_path)
    if platform.runner_pid:
        add(RUNNER, lambda: processes.exit_code(platform.runner_pid) is None,
            platform.start_runner, platform.state / "logs" / "pipeline.log")  # fmt: skip
    return found


def _bind(method: Callable[[str], T], name: str) -> Callable[[], T]:
    return lambda: method(name)


def _cp_restart(cp: ControlPlane, component: str) -> Callable[[], int]:
    def restart() -> int:
        cp.start(component, wait=False)
        return cp.pids[component]

    return restart


def _registry_restart(platform: Platform) -> int:
    pid = platform.artifacts.restart()
    if platform.node is not None:  # the node's ledger stops it if this run is killed
        platform.node.node.record(REGISTRY, pid, str(platform.artifacts.registry.crane))
    return pid


def _board_restart(board: ServiceProcess) -> Callable[[], int]:
    def restart() -> int:
        board.stop()  # closes the dead one's log
        return board.start().pid

    return restart
