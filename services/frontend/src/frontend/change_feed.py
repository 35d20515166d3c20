"""The change feed: a board version counter that viewers of ``/events`` wait on.

Watch threads and probes call ``mark()`` (any thread, any rate). A task on the
event loop folds the marks into at most one new version per batch interval and
wakes every waiting viewer at once, so N viewers cost N socket writes and zero
extra API calls. The version also moves every ``refresh`` seconds, so ages and
"stale for" texts on open pages keep counting.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time


class ChangeFeed:
    """Marks from any thread in, at most one new board version per batch interval out."""

    def __init__(self, batch_seconds: float, refresh_seconds: float) -> None:
        self.batch_seconds = batch_seconds
        self.refresh_seconds = refresh_seconds
        self.version = 1
        # Versions count from 1 in every process: a page that reconnects after a restart
        # says which process its version came from, so a stale one gets the whole board.
        self.epoch = os.urandom(4).hex()
        self.batches = 0
        self.closed = False
        self._dirty = False
        self._bumped_at = time.monotonic()
        self._cond: asyncio.Condition | None = None

    def mark(self) -> None:
        """Note that something changed; safe from any thread (a plain flag store)."""
        self._dirty = True

    def _condition(self) -> asyncio.Condition:
        if self._cond is None:
            self._cond = asyncio.Condition()
        return self._cond

    async def _bump(self) -> None:
        cond = self._condition()
        async with cond:
            self.version += 1
            self._bumped_at = time.monotonic()
            cond.notify_all()

    async def run(self) -> None:
        """Fold marks into versions until cancelled."""
        while True:
            await asyncio.sleep(self.batch_seconds)
            due = time.monotonic() - self._bumped_at >= self.refresh_seconds
            if self._dirty or due:
                self._dirty = False
                self.batches += 1
                await self._bump()

    async def wait_newer(self, seen: int, within: float) -> int:
        """Wait until the version passes ``seen`` (or ``within`` s pass, or close)."""
        cond = self._condition()
        async with cond:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    cond.wait_for(lambda: self.version > seen or self.closed), within
                )
        return self.version

    async def close(self) -> None:
        """Release every waiter (server shutdown): streams end, connections close."""
        self.closed = True
        cond = self._condition()
        async with cond:
            cond.notify_all()
