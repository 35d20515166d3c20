"""Leftovers of a platform that was killed (SIGKILL, a crash) before it could clean up.

Only called while holding the run lock, so the ``current.json`` found is a dead
owner's. Everything is stopped by the PIDs that run recorded, and only when
``/proc/<pid>`` still shows the same program; nothing is looked up by name.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
from pathlib import Path
from typing import Any

from tools.localplatform.console import Console
from tools.localplatform.node import registry_of
from tools.localplatform.parts import GIT_SERVER
from tools.localplatform.runner import RUNNER_MARK
from tools.platformkit import processes
from tools.platformkit.cluster.controlplane import ControlPlane, clusters_root
from tools.platformkit.gitops import flux
from tools.platformkit.node import realnode


def _environ(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _kill_board(pid: int, state_dir: str) -> bool:
    """The board of that run: its environment names a kubeconfig inside that run's state."""
    if state_dir and f"FRONTEND_KUBECONFIG={state_dir}" in _environ(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        return True
    return False


def _kill_git_server(pid: int, state_dir: str) -> bool:
    """The git server of that run: its command line names that run's repositories."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    if state_dir and f"{state_dir}/git".encode() in argv:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        return True
    return False


def _kill_runner(state_dir: str) -> list[int]:
    """The pipeline runner of that run and the steps it had started: their environment
    carries RUNNER_MARK=<that run's state dir> (``orchestrator._start_runner``)."""
    killed = []
    mark = f"{RUNNER_MARK}={state_dir} "
    for entry in Path("/proc").glob("[0-9]*"):
        if state_dir and mark in _environ(int(entry.name)) + " ":
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(entry.name), signal.SIGKILL)
                killed.append(int(entry.name))
    return killed


def clean(current: Path, console: Console) -> None:
    """Stop what the dead run recorded in CURRENT, remove its state, say what was done."""
    try:
        info: dict[str, Any] = json.loads(current.read_text())
    except (OSError, ValueError):
        current.unlink(missing_ok=True)
        return
    done: list[str] = []
    pids: dict[str, int] = info.get("pids") or {}
    for controller in flux.CONTROLLERS:
        binary = str(flux.build_root() / "bin" / controller)
        if controller in pids and processes.is_ours(pids[controller], binary):
            processes.stop(pids[controller], binary, 5)
            done.append(f"{controller} pid {pids[controller]}")
    if "board" in pids and _kill_board(pids["board"], str(info.get("state_dir") or "")):
        done.append(f"board pid {pids['board']}")
    if GIT_SERVER in pids and _kill_git_server(pids[GIT_SERVER], str(info.get("state_dir") or "")):
        done.append(f"git server pid {pids[GIT_SERVER]}")
    if runner := _kill_runner(str(info.get("state_dir") or "")):
        done.append(f"pipeline runner and its steps (pids {', '.join(map(str, runner))})")
    # Before the state dir goes: the node's mounts live under it.
    done += [f"real node: {what}" for what in realnode.clean_stale()]
    registry = registry_of(Path(str(info.get("state_dir") or "")))
    if info.get("state_dir") and registry.recorded_pid():
        registry.stop(timeout=2)  # only while that PID still runs crane
        done.append("registry")
    cluster = str(info.get("cluster") or "")
    if cluster and (clusters_root() / cluster / "state.json").exists():
        ControlPlane.load(cluster).down()
        done.append(f"control plane {cluster!r}")
    state = Path(str(info.get("state_dir") or ""))
    if state.name and state.is_dir():
        shutil.rmtree(state, ignore_errors=True)
        done.append(f"state dir {state}")
    current.unlink(missing_ok=True)
    console.warn(
        f"a previous run (pid {info.get('pid')}) was killed before it cleaned up; "
        f"removed what it left: {', '.join(done) or 'nothing was still running'}"
    )
