"""The change feed: marks from any thread folded into board versions viewers wait on."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Coroutine
from typing import Any

import anyio
import pytest

from frontend.board.change_feed import ChangeFeed


def test_change_feed_folds_many_marks_into_one_version() -> None:
    async def scenario() -> tuple[int, int]:
        feed = ChangeFeed(batch_seconds=0.02, refresh_seconds=3600)
        runner = asyncio.create_task(feed.run())
        start = feed.version
        waiter = asyncio.create_task(feed.wait_newer(start, within=5))
        for _ in range(100):
            feed.mark()
        seen = await waiter
        await asyncio.sleep(0.1)  # no further marks: no further versions
        runner.cancel()
        return seen - start, feed.version - start

    first_wake, total = asyncio.run(scenario())

    assert (first_wake, total) == (1, 1)


def test_change_feed_wait_times_out_without_a_change() -> None:
    async def scenario() -> int:
        feed = ChangeFeed(batch_seconds=0.01, refresh_seconds=3600)
        return await feed.wait_newer(feed.version, within=0.05)

    assert asyncio.run(scenario()) == 1


def test_change_feed_close_releases_waiters() -> None:
    async def scenario() -> bool:
        feed = ChangeFeed(batch_seconds=1, refresh_seconds=3600)
        waiter = asyncio.create_task(feed.wait_newer(feed.version, within=30))
        await asyncio.sleep(0.01)
        feed.close()
        await asyncio.wait_for(waiter, 1)
        return feed.closed

    assert asyncio.run(scenario())


def test_change_feed_moves_on_its_own_every_refresh_so_ages_keep_counting() -> None:
    async def scenario() -> tuple[int, int]:
        feed = ChangeFeed(batch_seconds=0.01, refresh_seconds=0.05)
        runner = asyncio.create_task(feed.run())
        start = feed.version
        seen = await feed.wait_newer(start, within=5)  # no mark at all
        runner.cancel()
        return seen - start, feed.batches

    moved, batches = asyncio.run(scenario())

    assert (moved, batches) == (1, 1)


def _run_bounded(scenario: Coroutine[Any, Any, Any]) -> Any:
    """Run SCENARIO on a loop of its own, and leave whatever is stuck behind: asyncio.run
    would wait for stuck tasks to finish cancelling, and a broken feed never lets them."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(scenario)
    finally:
        loop.close()


@pytest.mark.parametrize("seed", range(3))
def test_viewers_dropping_at_any_moment_never_break_the_feed_for_the_others(seed: int) -> None:
    """Starlette cancels a stream's task when its client goes, through an anyio cancel
    scope that re-delivers the cancellation every loop iteration; those cancellations
    land anywhere in ``wait_newer``. The feed must keep moving for everyone else."""
    rng = random.Random(seed)  # noqa: S311 - reproducible by seed, nothing secret

    async def scenario() -> tuple[list[int], list[BaseException]]:
        feed = ChangeFeed(batch_seconds=0.001, refresh_seconds=3600)
        runner = asyncio.create_task(feed.run())
        errors: list[BaseException] = []

        async def viewer(scope: anyio.CancelScope, seen: list[int]) -> None:
            with scope:
                try:
                    while True:
                        feed.mark()  # busy: versions keep moving while viewers leave
                        seen.append(await feed.wait_newer(feed.version, within=30))
                except Exception as exc:
                    errors.append(exc)

        for _ in range(5):  # storms: 20 viewers connect, then drop at random points
            scopes = [anyio.CancelScope() for _ in range(20)]
            async with anyio.create_task_group() as group:
                for scope in scopes:
                    group.start_soon(viewer, scope, [])
                await asyncio.sleep(rng.random() * 0.01)
                for scope in scopes:
                    if rng.random() < 0.5:
                        await asyncio.sleep(0)
                    scope.cancel()
        # Then the viewers that stay, and one more change every one of them must see.
        await asyncio.sleep(0.01)
        feed._dirty = False
        stayed: list[list[int]] = [[] for _ in range(10)]
        start = feed.version
        waiters = [asyncio.create_task(feed.wait_newer(start, within=30)) for _ in stayed]
        await asyncio.sleep(0.01)
        feed.mark()
        done, _ = await asyncio.wait(waiters, timeout=5)
        runner.cancel()
        return [w.result() - start for w in waiters if w in done], errors

    moved, errors = _run_bounded(scenario())

    assert errors == []
    assert moved == [1] * 10, "every remaining viewer sees the next version"


def test_close_ends_waiters_even_after_a_storm_of_cancelled_viewers() -> None:
    async def scenario() -> bool:
        feed = ChangeFeed(batch_seconds=0.001, refresh_seconds=3600)
        runner = asyncio.create_task(feed.run())
        waiters = [asyncio.create_task(feed.wait_newer(feed.version, within=30))
                   for _ in range(20)]  # fmt: skip
        await asyncio.sleep(0.01)
        for waiter in waiters[::2]:
            waiter.cancel()
            await asyncio.sleep(0)
            waiter.cancel()  # as anyio does: again, while the first is still handled
        feed.close()
        done, _ = await asyncio.wait(waiters[1::2], timeout=5)
        runner.cancel()
        return len(done) == 10

    assert _run_bounded(scenario())


def test_the_feed_loop_beats_once_running() -> None:
    async def scenario() -> tuple[float | None, float | None]:
        feed = ChangeFeed(batch_seconds=0.01, refresh_seconds=3600)
        before = feed.beat
        runner = asyncio.create_task(feed.run())
        await asyncio.sleep(0.05)
        runner.cancel()
        return before, feed.beat

    before, after = asyncio.run(scenario())

    assert before is None
    assert after is not None


def test_change_feed_moves_when_a_build_asked_to_be_woken() -> None:
    # A Flux reconcile turns stale with no event: the build asks for a version then.
    async def scenario() -> tuple[int, float]:
        feed = ChangeFeed(batch_seconds=0.01, refresh_seconds=3600)
        runner = asyncio.create_task(feed.run())
        start, began = feed.version, time.monotonic()
        feed.wake_in(0.2)
        feed.wake_in(5)  # a later moment does not put off the earlier one
        seen = await feed.wait_newer(start, within=5)  # no mark at all
        waited = time.monotonic() - began
        again = await feed.wait_newer(seen, within=0.3)  # woken once, not on every loop
        runner.cancel()
        return again - start, waited

    moved, waited = asyncio.run(scenario())

    assert moved == 1
    assert 0.2 <= waited < 2
