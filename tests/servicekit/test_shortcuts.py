"""Shortcuts: an exact path's GET or HEAD answered before the framework, the same
endpoint registered with the framework for the document and for requests with a body."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from servicekit.shortcuts import Shortcut, Shortcuts, document


class Status(BaseModel):
    status: str


def _app(calls: list[str]) -> tuple[FastAPI, Shortcuts]:
    async def read_status(request: Request) -> Response:
        calls.append(getattr(request.scope.get("route"), "path", "?"))
        return Response(b'{"status":"ok"}', media_type="application/json")

    async def read_text(_: Request) -> Response:
        return Response(b"plain", media_type="text/plain")

    shortcuts = (
        Shortcut("/status", read_status, ("probes",), Status, {503: {"model": Status}}),
        Shortcut("/text", read_text, ("other",), media_type="text/plain"),
    )
    framework = FastAPI()

    @framework.get("/elsewhere/{n}")
    async def elsewhere(n: int) -> dict[str, int]:
        return {"n": n}

    document(framework, shortcuts)
    return framework, Shortcuts(framework, shortcuts)


def test_get_and_head_are_answered_before_the_framework() -> None:
    calls: list[str] = []
    _, shortcuts = _app(calls)
    client = TestClient(shortcuts)
    assert client.get("/status").json() == {"status": "ok"}
    head = client.head("/status")
    assert head.content == b""
    assert head.headers["content-length"] == "15"
    # The shortcut's route: the access log's and the metrics' template.
    assert calls == ["/status", "/status"]


def test_a_body_another_method_or_another_path_goes_to_the_framework() -> None:
    calls: list[str] = []
    _, shortcuts = _app(calls)
    client = TestClient(shortcuts)
    framed = client.request("GET", "/status", headers={"content-length": "0"})
    assert framed.json() == {"status": "ok"}  # the same endpoint, through the framework
    assert client.post("/status").status_code == 405
    assert client.get("/elsewhere/3").json() == {"n": 3}


def test_routes_name_the_shortcuts_then_the_frameworks() -> None:
    framework, shortcuts = _app([])
    paths = [getattr(route, "path", None) for route in shortcuts.routes]
    assert paths[:2] == ["/status", "/text"]
    assert "/elsewhere/{n}" in paths
    assert len(paths) == 2 + len(framework.routes)


def test_the_document_describes_each_shortcut_with_its_model_or_media_type() -> None:
    framework, _ = _app([])
    paths = TestClient(framework).get("/openapi.json").json()["paths"]
    status = paths["/status"]["get"]
    assert status["tags"] == ["probes"]
    assert status["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Status"
    }
    assert "503" in status["responses"]
    assert list(paths["/text"]["get"]["responses"]["200"]["content"]) == ["text/plain"]
