from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from servicekit.access import AccessLog


class _StoresRequestId:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("state", {})["request_id"] = "req-1"
        await self.app(scope, receive, send)


def _app(with_request_id: bool) -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def read_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    if with_request_id:
        app.add_middleware(_StoresRequestId)
    app.add_middleware(AccessLog, logger="test.access")
    return app


def _lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    fields = ("method", "route", "status", "request_id")
    return [
        {f: getattr(r, f) for f in fields if hasattr(r, f)}
        for r in caplog.records
        if r.name == "test.access"
    ]


def test_one_line_per_request_with_the_route_template(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="test.access")
    with TestClient(_app(with_request_id=False)) as client:
        client.get("/items/41")
        client.get("/nowhere")
    assert _lines(caplog) == [
        {"method": "GET", "route": "/items/{item_id}", "status": 200},
        {"method": "GET", "route": None, "status": 404},
    ]


def test_request_id_stored_by_an_inner_middleware_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="test.access")
    with TestClient(_app(with_request_id=True)) as client:
        client.get("/items/7")
    assert _lines(caplog) == [
        {"method": "GET", "route": "/items/{item_id}", "status": 200, "request_id": "req-1"}
    ]
