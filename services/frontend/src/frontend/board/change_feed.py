"""The change feed: a board version counter that viewers of ``/events`` wait on.

Watch threads and probes call ``mark()`` (any thread, any rate). A task on the
event loop folds the marks into at most one new version per batch interval and
wakes every waiting viewer at once, so N viewers cost N socket writes and zero
extra API calls. The version also moves every ``refresh`` seconds, so ages and
"stale for" texts on open pages keep counting, and at any moment a build asked for with
``wake_in`` (what changes with the clock alone: a Flux reconcile turning stale).

Viewers come and go at any moment: Starlette cancels a stream's task when its client
disconnects, and anyio delivers that cancellation again on every loop iteration until
the task ends. So nothing a viewer waits on may hold a lock: a waiter cancelled while
it re-acquired an ``asyncio.Condition``'s lock once left the lock held for good, and
the feed never moved again (the post-mortem: docs/postmortems/
2026-12-06-board-froze-after-viewers-left.md). A version is announced by setting an
``asyncio.Event`` and replacing it with a fresh one; waiting on an event is a plain
future, safe to cancel at any point.
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
        # When ``run`` last went round (monotonic), None before it starts: the liveness
        # probe's evidence that the feed is alive (``frontend.board.liveness``).
        self.beat: float | None = None
        self._dirty = False
        self._bumped_at = time.monotonic()
        self._wake_at: float | None = None  # monotonic; a build asked for it (``wake_in``)
        self._next: asyncio.Event | None = None  # set when the version passes the current one

    def mark(self) -> None:
        """Note that something changed; safe from any thread (a plain flag store)."""
        self._dirty = True

    def wake_in(self, seconds: float) -> None:
        """Move the version once SECONDS have passed, even with nothing marked; any thread.

        The earliest moment still to come wins. A moment lost to a race with ``run`` costs
        at most one refresh period, when the version moves anyway.
        """
        now = time.monotonic()
        at, held = now + max(seconds, 0.0), self._wake_at
        if held is None or at < held or held <= now:
            self._wake_at = at

    def _wake_all(self) -> None:
        woken, self._next = self._next, None
        if woken is not None:
            woken.set()

    def _bump(self) -> None:
        # No await between the new version and the wake-up: nothing can interleave.
        self.version += 1
        self._bumped_at = time.monotonic()
        self._wake_all()

    async def run(self) -> None:
        """Fold marks into versions until cancelled."""
        while True:
            self.beat = time.monotonic()
            await asyncio.sleep(self.batch_seconds)
            now, wake = time.monotonic(), self._wake_at
            woken = wake is not None and now >= wake
            if self._dirty or woken or now - self._bumped_at >= self.refresh_seconds:
                self._dirty = False
                if woken and self._wake_at == wake:  # not an earlier one asked for meanwhile
                    self._wake_at = None
                self.batches += 1
                self._bump()

    async def wait_newer(self, seen: int, within: float) -> int:
        """Wait until the version passes ``seen`` (or ``within`` s pass, or close)."""
        if self.version > seen or self.closed:
            return self.version
        if self._next is None:
            self._next = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await self._next.wait()
        return self.version

    def close(self) -> None:
        """Release every waiter (server shutdown): streams end, connections close.

        Synchronous and lock-free, so a signal handler can schedule it on the loop
        and nothing a viewer does can hold it up.
        """
        self.closed = True
        self._wake_all()
