from __future__ import annotations

import asyncio

from frontend.live import Changes


def test_changes_fold_many_marks_into_one_version() -> None:
    async def scenario() -> tuple[int, int]:
        changes = Changes(batch_seconds=0.02, refresh_seconds=3600)
        runner = asyncio.create_task(changes.run())
        start = changes.version
        waiter = asyncio.create_task(changes.wait_newer(start, within=5))
        for _ in range(100):
            changes.mark()
        seen = await waiter
        await asyncio.sleep(0.1)  # no further marks: no further versions
        runner.cancel()
        return seen - start, changes.version - start

    first_wake, total = asyncio.run(scenario())

    assert (first_wake, total) == (1, 1)


def test_changes_wait_times_out_without_a_change() -> None:
    async def scenario() -> int:
        changes = Changes(batch_seconds=0.01, refresh_seconds=3600)
        return await changes.wait_newer(changes.version, within=0.05)

    assert asyncio.run(scenario()) == 1


def test_changes_close_releases_waiters() -> None:
    async def scenario() -> bool:
        changes = Changes(batch_seconds=1, refresh_seconds=3600)
        waiter = asyncio.create_task(changes.wait_newer(changes.version, within=30))
        await asyncio.sleep(0.01)
        await changes.close()
        await asyncio.wait_for(waiter, 1)
        return changes.closed

    assert asyncio.run(scenario())
