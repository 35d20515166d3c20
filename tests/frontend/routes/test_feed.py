from __future__ import annotations

import asyncio

import pytest

from frontend.app import create_app
from frontend.routes.feed import stream_board
from frontend.settings import Settings
from frontend.state import Runtime
from tests.frontend.support import ClientFactory
from tests.frontend.support.fakes import StaticCluster
from tools.platformkit.objects import rollout
from tools.platformkit.processes import DEAD_BACKEND


def test_stream_board_sends_current_board_to_a_late_viewer(make_client: ClientFactory) -> None:
    client = make_client(StaticCluster(rollout("web")), heartbeat_seconds=0.2)
    runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def first_messages() -> list[str]:
        class Request:
            async def is_disconnected(self) -> bool:
                return True

        response = await stream_board(Request(), runtime, since=0)  # type: ignore[arg-type]
        chunks: list[str] = []
        async for chunk in response.body_iterator:
            chunks.append(chunk.decode() if isinstance(chunk, bytes) else str(chunk))
        return chunks

    chunks = asyncio.run(asyncio.wait_for(first_messages(), 5))

    assert chunks[0] == "retry: 2000\n\n"
    assert chunks[1].startswith("event: board\ndata: ")
    assert 'id="d-shop-web"' in chunks[1]
    assert runtime.feed_viewers == 0


@pytest.mark.parametrize("params", [{"since": "-1"}, {"since": "x"}, {"epoch": "<script>"}])
def test_stream_board_rejects_bad_version(
    make_client: ClientFactory, params: dict[str, str]
) -> None:
    response = make_client(StaticCluster()).get("/events", params=params)

    assert response.status_code == 422


class Viewer:
    """A request that stays connected for ``checks`` disconnect checks, then goes away."""

    def __init__(self, checks: int = 10**6) -> None:
        self.checks = checks

    async def is_disconnected(self) -> bool:
        self.checks -= 1
        return self.checks < 0


def _idle_runtime() -> Runtime:
    """The app's runtime without its lifespan: no feed task runs, so the test moves the feed."""
    settings = Settings(backend_url=DEAD_BACKEND, heartbeat_seconds=0.05, batch_interval_ms=10)
    runtime: Runtime = create_app(settings, StaticCluster(rollout("web"))).state.runtime
    return runtime


async def _read(
    runtime: Runtime,
    viewer: Viewer,
    since: int,
    chunks: list[str],
    board: asyncio.Event | None = None,
    epoch: str | None = "this process",
    event: str = "board",
) -> None:
    """Collect the stream's chunks; set ``board`` once an ``event`` message arrived.

    ``epoch`` is the page's ("this process": the runtime's own)."""
    epoch = runtime.feed.epoch if epoch == "this process" else epoch
    response = await stream_board(viewer, runtime, since=since, epoch=epoch)  # type: ignore[arg-type]
    async for chunk in response.body_iterator:
        chunks.append(chunk.decode() if isinstance(chunk, bytes) else str(chunk))
        if board is not None and chunks[-1].startswith(f"event: {event}"):
            board.set()


def test_stream_board_sends_heartbeats_while_nothing_changes() -> None:
    runtime = _idle_runtime()
    chunks: list[str] = []

    asyncio.run(asyncio.wait_for(_read(runtime, Viewer(checks=2), runtime.feed.version, chunks), 5))

    assert chunks == ["retry: 2000\n\n", ": heartbeat\n\n", ": heartbeat\n\n"]
    assert runtime.feed_viewers == 0


def test_stream_board_pushes_each_new_version_until_the_feed_closes() -> None:
    runtime = _idle_runtime()
    feed = runtime.feed
    chunks: list[str] = []

    async def scenario() -> None:
        board = asyncio.Event()
        folding = asyncio.create_task(feed.run())
        reading = asyncio.create_task(_read(runtime, Viewer(), feed.version, chunks, board))
        await asyncio.sleep(0.01)
        assert runtime.feed_viewers == 1
        feed.mark()
        await board.wait()
        feed.close()  # what the server does on SIGTERM
        await reading
        folding.cancel()

    asyncio.run(asyncio.wait_for(scenario(), 5))

    boards = [c for c in chunks if c.startswith("event: board")]
    assert len(boards) == 1
    assert 'data-version="2"' in boards[0]
    assert runtime.feed_viewers == 0


@pytest.mark.parametrize(
    ("case", "since", "epoch"),
    [
        ("a restarted board: the page's epoch is another process's", 1, "0badc0de"),
        ("a page from before epochs", 1, None),
        ("a version this process has not reached", 10**5, "this process"),
    ],
)
def test_a_viewer_from_another_process_gets_the_board_at_once(
    case: str, since: int, epoch: str | None
) -> None:
    runtime = _idle_runtime()
    chunks: list[str] = []

    asyncio.run(asyncio.wait_for(_read(runtime, Viewer(checks=1), since, chunks, epoch=epoch), 5))

    assert chunks[1].startswith("event: board\n"), case
    assert 'id="d-shop-web"' in chunks[1]


def test_the_page_names_its_process_in_the_stream_url(make_client: ClientFactory) -> None:
    client = make_client(StaticCluster(rollout("web")))
    epoch = client.app.state.runtime.feed.epoch  # type: ignore[attr-defined]

    assert f'sse-connect="/events?since=1&amp;epoch={epoch}"' in client.get("/").text


def test_a_page_that_shows_a_kept_version_gets_deltas_not_the_board() -> None:
    runtime = _idle_runtime()
    feed = runtime.feed
    chunks: list[str] = []

    async def scenario() -> None:
        await runtime.board.get(feed.version)  # what rendering the page did
        delta = asyncio.Event()
        folding = asyncio.create_task(feed.run())
        reading = asyncio.create_task(
            _read(runtime, Viewer(), feed.version, chunks, delta, event="delta")
        )
        await asyncio.sleep(0.01)
        feed.mark()
        await delta.wait()
        feed.close()
        await reading
        folding.cancel()

    asyncio.run(asyncio.wait_for(scenario(), 5))

    deltas = [c for c in chunks if c.startswith("event: delta")]
    assert not any(c.startswith("event: board") for c in chunks)
    # Nothing in the cluster changed: the footer and panels move, no card is resent.
    assert "<article" not in deltas[0]
    assert 'id="board-foot" data-version="2" hx-swap-oob="true"' in deltas[0]
