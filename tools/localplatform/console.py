"""What the platform prints: one line per step, with the time since start.

Everything a person reads goes to stdout, line-buffered; the builds' own progress
(tools/cluster/build.sh, tools/flux/build.sh) streams to stderr as those scripts write it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

READY_MARK = "[platform] READY"  # the line tests and scripts wait for


class Console:
    def __init__(self, prefix: str = "platform") -> None:
        self.prefix = prefix
        self.started = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def say(self, message: str) -> None:
        sys.stdout.write(f"[{self.prefix} +{self.elapsed():5.1f}s] {message}\n")
        sys.stdout.flush()

    def plain(self, text: str = "") -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def warn(self, message: str) -> None:
        """Something left out or wrong, said plainly: stdout, so it sits among the steps."""
        sys.stdout.write(f"[{self.prefix} +{self.elapsed():5.1f}s] NOTE: {message}\n")
        sys.stdout.flush()

    @contextmanager
    def step(self, what: str) -> Iterator[None]:
        """``what ...`` then ``what: done in N s`` (or the failure) on one line each."""
        self.say(f"{what} ...")
        started = time.monotonic()
        try:
            yield
        except KeyboardInterrupt:
            self.say(f"{what}: interrupted after {time.monotonic() - started:.1f}s")
            raise
        except BaseException as exc:
            self.say(f"{what}: FAILED after {time.monotonic() - started:.1f}s: {exc}")
            raise
        self.say(f"{what}: done in {time.monotonic() - started:.1f}s")
