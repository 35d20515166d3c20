"""``python -m tools.localplatform fault PART ACTION``: a fault drill on the running platform.

ACTION is what happens to PART (a name ``current.json`` gives a PID: ``kube-apiserver``,
``etcd``, ``kubelet``, ``containerd``, ``registry``, ``git server``,
``source-controller``, ``pipeline runner``, ...):

- ``kill``: SIGKILL, a crash; the platform's supervisor starts it again within seconds;
- ``down``: held down, then SIGKILL; it stays down until ``up``;
- ``up``: the hold released; the supervisor starts it within 2 s;
- ``hang``: SIGSTOP (sockets open, nothing answered); ``resume``: SIGCONT.

Only a process whose parent is the running platform is signalled, by the PID that
platform recorded. Exit codes: 0 done, 2 no platform, an unknown part or a PID that is
not the platform's child any more.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from tools.localplatform import rundir
from tools.localplatform.parts import NODE_PREFIX

ACTIONS = ("kill", "down", "up", "hang", "resume")
_SIGNALS = {"kill": signal.SIGKILL, "down": signal.SIGKILL, "hang": signal.SIGSTOP,
            "resume": signal.SIGCONT}  # fmt: skip


class FaultError(RuntimeError):
    """The drill cannot be carried out (the message says why)."""


def part_name(pids: dict[str, int], given: str) -> str:
    """GIVEN as ``current.json`` names it (``kubelet`` is ``node kubelet``)."""
    for name in (given, NODE_PREFIX + given):
        if name in pids:
            return name
    known = ", ".join(sorted(n.removeprefix(NODE_PREFIX) for n in pids))
    raise FaultError(f"no part named {given!r} in the running platform; known: {known}")


def parent_of(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def held_path(state_dir: str, name: str) -> Path:
    """The file that holds NAME down (tools/localplatform/supervisor.py reads it)."""
    return Path(state_dir) / "held" / name


def fault(given: str, action: str, root: Path | None = None) -> str:
    """Carry out ACTION on the part GIVEN; what was done, in words."""
    if action not in ACTIONS:
        raise FaultError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
    info = rundir.load(root)
    name = part_name(info.pids, given)
    held = held_path(info.state_dir, name)
    if action == "up":
        held.unlink(missing_ok=True)
        return f"{name}: released; the platform starts it again within 2 s"
    pid = info.pids[name]
    if parent_of(pid) != info.pid:
        raise FaultError(f"{name} (pid {pid}) is not a process of the platform (pid {info.pid})")
    if action == "down":
        held.parent.mkdir(exist_ok=True)
        held.touch()
    os.kill(pid, _SIGNALS[action])
    after = {
        "kill": "the platform starts it again within 2 s",
        "down": f"held down until `fault {given} up`",
        "hang": f"stopped, sockets open; `fault {given} resume` continues it",
        "resume": "running again",
    }[action]
    return f"{name} (pid {pid}): {_SIGNALS[action].name}; {after}"
