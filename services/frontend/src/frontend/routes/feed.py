"""``GET /events``: the change feed as server-sent events.

The whole board (``event: board``) first and whenever the page cannot be patched; after
that, per batched change, only what changed (``event: delta``: the changed cards and the
board's chrome as htmx out-of-band swaps, ``frontend.board.memo``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from frontend.deps import RuntimeDep
from frontend.state import Runtime
from servicekit.http import NO_STORE

router = APIRouter(tags=["live"])


async def _board_messages(
    request: Request, runtime: Runtime, since: int
) -> AsyncIterator[str | bytes]:
    feed = runtime.feed
    runtime.feed_viewers += 1
    try:
        yield "retry: 2000\n\n"
        seen = since
        while not feed.closed:
            if feed.version > seen:
                newest = feed.version
                # Framed and encoded once per version (or pair of versions), shared by
                # every viewer: at 2,000 cards the whole board is megabytes.
                delta = await runtime.board.delta_message(seen, newest) if seen else None
                yield delta or await runtime.board.board_message(newest)
                seen = newest
            version = await feed.wait_newer(seen, runtime.settings.heartbeat_seconds)
            if version == seen and not feed.closed:
                if await request.is_disconnected():
                    return
                yield ": heartbeat\n\n"
    finally:
        runtime.feed_viewers -= 1


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "SSE stream."}},
)
async def stream_board(
    request: Request,
    runtime: RuntimeDep,
    since: Annotated[int, Query(ge=0, description="Board version the page already shows.")] = 0,
    epoch: Annotated[
        str | None,
        Query(
            pattern=r"^[0-9a-f]{1,32}$",
            description="The process that version came from (the page's); another one's "
            "versions mean nothing here, so the whole board is sent first.",
        ),
    ] = None,
) -> StreamingResponse:
    """``event: board`` or ``event: delta`` on each batched change, and a heartbeat.

    A viewer whose ``since`` is from another process (a restarted board), or is ahead of
    this one's version, gets the current board at once instead of waiting for a version
    that may never come.
    """
    feed = runtime.feed
    if epoch != feed.epoch or since > feed.version:
        since = 0
    return StreamingResponse(
        _board_messages(request, runtime, since),
        media_type="text/event-stream",
        headers={**NO_STORE, "x-accel-buffering": "no"},
    )
