"""The change feed: marks from any thread folded into board versions viewers wait on."""

from __future__ import annotations

import asyncio

from frontend.change_feed import ChangeFeed


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
        await feed.close()
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
