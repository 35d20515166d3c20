"""How long each step of the drill took, printed after the run by conftest's terminal summary.

Timings are reported, never asserted (see bench/README.md): a slow shared machine must
not fail the drill, but the numbers should still be visible. Step names start with the
step's label ("1.", "2.", …, "setup:"), which the per-step totals group by.
"""

from __future__ import annotations

import time

TIMINGS: list[str] = []


class Clock:
    """Records into TIMINGS each step's time since the previous one, per-label totals, the whole."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.last = self.started
        self.totals: dict[str, float] = {}

    def step(self, name: str) -> None:
        now = time.monotonic()
        TIMINGS.append(f"{name}: {now - self.last:.1f}s")
        label = name.split(" ", 1)[0].rstrip(":")
        self.totals[label] = self.totals.get(label, 0.0) + now - self.last
        self.last = now

    def total(self) -> None:
        for label, seconds in self.totals.items():
            TIMINGS.append(f"total of {label}: {seconds:.1f}s")
        TIMINGS.append(f"whole drill: {time.monotonic() - self.started:.1f}s")
