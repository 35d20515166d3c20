"""Deferred: built once, on the first request that needs it; its lifespan runs regardless."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from starlette.types import ASGIApp

from servicekit.deferred import Deferred


class Recorder:
    def __init__(self, fail_at: str | None = None) -> None:
        self.builds = 0
        self.events: list[str] = []
        self.fail_at = fail_at

    def build(self) -> ASGIApp:
        self.builds += 1

        async def hello(_: object) -> PlainTextResponse:
            return PlainTextResponse("built")

        return Starlette(routes=[Route("/", hello)])

    @contextlib.asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        if self.fail_at == "startup":
            raise RuntimeError("cannot start")
        self.events.append("started")
        yield
        self.events.append("stopped")
        if self.fail_at == "shutdown":
            raise RuntimeError("cannot stop")


def test_nothing_is_built_until_a_request_needs_it() -> None:
    recorder = Recorder()
    app = Deferred(recorder.build, recorder.lifespan)
    with TestClient(app) as client:
        assert recorder.events == ["started"]
        assert not app.built
        assert client.get("/").text == "built"
        assert client.get("/").text == "built"
    assert recorder.builds == 1
    assert recorder.events == ["started", "stopped"]


def test_concurrent_first_requests_share_one_build() -> None:
    recorder = Recorder()
    app = Deferred(recorder.build, recorder.lifespan)
    sent: list[dict[str, object]] = []

    async def one() -> None:
        scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b""}

        async def send(message: dict[str, object]) -> None:
            sent.append(message)

        await app(scope, receive, send)  # type: ignore[arg-type]

    async def many() -> None:
        await asyncio.gather(*(one() for _ in range(8)))

    asyncio.run(many())
    assert recorder.builds == 1
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [200] * 8


@pytest.mark.parametrize("stage", ["startup", "shutdown"])
def test_a_failing_lifespan_fails_the_server(stage: str) -> None:
    recorder = Recorder(fail_at=stage)
    app = Deferred(recorder.build, recorder.lifespan)
    with pytest.raises(RuntimeError), TestClient(app):
        pass
