"""Keeps the platform's parts running, as a process manager would (systemd's Restart=).

Each part the platform starts (control-plane components, the real node's daemons, the
registry, the git server, Flux's controllers, the board, the pipeline runner) is
registered with how to tell it is alive and how to start it again: the same program,
arguments and ports, so nothing that points at it has to change. ``check`` (every 2 s
from ``make run``'s loop) restarts a part that has exited, with a doubling back-off,
and gives up, stopping the platform, only when a part keeps exiting: CRASH_LIMIT
restarts within CRASH_WINDOW_S seconds, the sign of a fault a restart does not cure.

A part can be *held* down: ``python -m tools.localplatform fault <part> down`` writes
``<state>/held/<part>`` before it kills the part, and the supervisor leaves a held part
stopped until ``fault <part> up`` removes the file. That is how an outage lasts as long
as a drill wants (tools/localplatform/faults.py, tests/localplatform/test_chaos.py).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CRASH_LIMIT = 5  # restarts ...
CRASH_WINDOW_S = 120.0  # ... within this many seconds: the part is broken, not unlucky
BACKOFF_MAX_S = 16.0  # between failed restarts: 1, 2, 4, 8, 16 s


@dataclass
class Part:
    name: str  # as ``current.json`` names its PID, and as ``fault`` is told it
    alive: Callable[[], bool]
    restart: Callable[[], int]  # starts it again; its new PID
    log: Path  # where to look when it keeps exiting


@dataclass
class _Record:
    restarts: deque[float] = field(default_factory=deque)  # when, monotonic
    failures: int = 0  # restarts in a row that raised
    next_try: float = 0.0


@dataclass
class Supervisor:
    held_dir: Path
    say: Callable[[str], None]  # one line per restart, for the console
    on_pid: Callable[[str, int], None]  # records a restarted part's PID (current.json)
    clock: Callable[[], float] = time.monotonic
    parts: dict[str, Part] = field(default_factory=dict)
    _records: dict[str, _Record] = field(default_factory=dict)

    def add(self, part: Part) -> None:
        self.parts[part.name] = part
        self._records[part.name] = _Record()

    def held(self, name: str) -> bool:
        return (self.held_dir / name).exists()

    def check(self) -> str | None:
        """Restart what has exited and is not held; a reason to stop the platform, or None."""
        for part in list(self.parts.values()):
            if self.held(part.name) or part.alive():
                continue
            problem = self._restart(part, self._records[part.name])
            if problem:
                return problem
        return None

    def _restart(self, part: Part, record: _Record) -> str | None:
        now = self.clock()
        if now < record.next_try:
            return None
        while record.restarts and now - record.restarts[0] > CRASH_WINDOW_S:
            record.restarts.popleft()
        if len(record.restarts) >= CRASH_LIMIT:
            return (f"{part.name} keeps exiting ({len(record.restarts)} restarts in "
                    f"{CRASH_WINDOW_S:.0f} s; log {part.log})")  # fmt: skip
        record.restarts.append(now)
        try:
            pid = part.restart()
        except Exception as exc:  # a start that fails is retried after a back-off
            record.failures += 1
            delay = min(2.0 ** (record.failures - 1), BACKOFF_MAX_S)
            record.next_try = now + delay
            self.say(f"{part.name} exited; starting it again failed ({exc}); "
                     f"next try in {delay:.0f} s")  # fmt: skip
            return None
        record.failures, record.next_try = 0, 0.0
        self.on_pid(part.name, pid)
        self.say(f"{part.name} exited; started it again (pid {pid}, log {part.log})")
        return None
