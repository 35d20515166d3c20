"""What the platform prints: one line per step, with the time since start.

Everything a person reads goes to stdout, line-buffered; the builds' own progress
(tools/cluster/build.sh, tools/flux/build.sh) streams to stderr as those scripts write it.

Printing never stops the platform: when stdout is a pipe whose reader is gone (`make run
| tee run.log` stopped with Ctrl-C, which ends tee too), the first failed write points
stdout and stderr at /dev/null, for us and for every command started after, and the
stop goes on silently. Without that, the first line of the stop raised BrokenPipeError
and left the control plane, the board and the backends running
(docs/postmortems/2026-12-07-make-run-stopped-through-a-pipe.md).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

READY_MARK = "[platform] READY"  # the line tests and scripts wait for


def silence_closed_output() -> None:
    """Point fds 1 and 2 at /dev/null: writes (ours, Python's flush at exit, and those of
    every command started from now on) go nowhere instead of failing."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in (1, 2):
            os.dup2(devnull, fd)
    finally:
        os.close(devnull)


class Console:
    def __init__(self, prefix: str = "platform") -> None:
        self.prefix = prefix
        self.started = time.monotonic()
        self.closed = False  # stdout's reader went away: nothing more is printed

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def _write(self, line: str) -> None:
        if self.closed:
            return
        try:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        except (BrokenPipeError, ValueError):  # ValueError: stdout itself was closed
            self.closed = True
            silence_closed_output()

    def say(self, message: str) -> None:
        self._write(f"[{self.prefix} +{self.elapsed():5.1f}s] {message}")

    def plain(self, text: str = "") -> None:
        self._write(text)

    def warn(self, message: str) -> None:
        """Something left out or wrong, said plainly: stdout, so it sits among the steps."""
        self._write(f"[{self.prefix} +{self.elapsed():5.1f}s] NOTE: {message}")

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
