from __future__ import annotations

import asyncio

import pytest

from frontend.routes.events import sse_message, stream_board
from tests.frontend.conftest import ClientFactory
from tests.frontend.support.fakes import StaticCluster
from tests.frontend.support.objects import rollout


def test_sse_message_prefixes_every_line() -> None:
    assert sse_message("board", "<a>\n<b>") == "event: board\ndata: <a>\ndata: <b>\n\n"


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
            chunks.append(str(chunk))
        return chunks

    chunks = asyncio.run(asyncio.wait_for(first_messages(), 5))

    assert chunks[0] == "retry: 2000\n\n"
    assert chunks[1].startswith("event: board\ndata: ")
    assert 'id="d-shop-web"' in chunks[1]
    assert runtime.sse_clients == 0


@pytest.mark.parametrize("since", ["-1", "x"])
def test_stream_board_rejects_bad_version(make_client: ClientFactory, since: str) -> None:
    response = make_client(StaticCluster()).get("/events", params={"since": since})

    assert response.status_code == 422
