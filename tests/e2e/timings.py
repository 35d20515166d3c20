"""How long each step of the drill took, printed after the run by conftest's terminal summary.

Timings are reported, never asserted (see bench/README.md): a slow shared machine must
not fail the drill, but the numbers should still be visible.
"""

from __future__ import annotations

import time

TIMINGS: list[str] = []


class Clock:
    """Records into TIMINGS the time since the previous step, and the whole drill's."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.last = self.started

    def step(self, name: str) -> None:
        now = time.monotonic()
        TIMINGS.append(f"{name}: {now - self.last:.1f}s")
        self.last = now

    def total(self) -> None:
        TIMINGS.append(f"whole drill: {time.monotonic() - self.started:.1f}s")
