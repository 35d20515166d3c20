"""The edge every request passes (request id, headers, access log), the instrumentator's
middleware inside it, and the shortcuts answered before the framework."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from starlette.requests import Request
from starlette.responses import Response

from servicekit.edge import Edge
from servicekit.http import NO_STORE
from servicekit.http_metrics import HttpMetrics
from servicekit.shortcuts import Shortcut, Shortcuts, document

FAST_BODY = b'{"status":"ok"}'


def _edge(closing: bool = False) -> Edge:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def read_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @app.get("/fast")
    async def read_fast_through_the_framework() -> dict[str, str]:
        return {"status": "framework"}

    async def fast(_: Request) -> Response:
        return Response(FAST_BODY, 200, NO_STORE, media_type="application/json")

    metrics = HttpMetrics(CollectorRegistry())
    shortcuts = (Shortcut("/fast", fast, ("test",)), metrics.shortcut())
    document(app, shortcuts[1:])  # /fast stays the framework's own route, to tell them apart
    return Edge(
        Shortcuts(app, shortcuts),
        state=app.state,
        logger="test.access",
        metrics=metrics,
        headers=[(b"x-service", b"test")],
        closing=lambda: closing,
    )


def _lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    fields = ("method", "route", "status")
    return [{f: getattr(r, f) for f in fields} for r in caplog.records if r.name == "test.access"]


def test_one_access_line_per_request_by_route_template(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="test.access")
    with TestClient(_edge()) as client:
        client.get("/items/41")
        client.get("/nowhere")
        client.get("/fast")
    assert _lines(caplog) == [
        {"method": "GET", "route": "/items/{item_id}", "status": 200},
        {"method": "GET", "route": "none", "status": 404},
        {"method": "GET", "route": "/fast", "status": 200},
    ]
    ids = {r.request_id for r in caplog.records if r.name == "test.access"}  # type: ignore[attr-defined]
    assert len(ids) == 3


def test_the_access_log_names_the_client_so_kubelet_probes_can_be_told_apart(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="test.access")
    with TestClient(_edge()) as client:
        client.get("/fast", headers={"user-agent": "kube-probe/1.36"})
        client.get("/items/2", headers={"user-agent": "x" * 500})
        client.get("/items/3", headers={"user-agent": ""})
    agents = [r.user_agent for r in caplog.records if r.name == "test.access"]  # type: ignore[attr-defined]
    assert agents == ["kube-probe/1.36", "x" * 200, ""]


def test_access_log_costs_nothing_when_info_is_off(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="test.access")
    with TestClient(_edge()) as client:
        client.get("/fast")
        client.get("/items/1")
    assert _lines(caplog) == []


@pytest.mark.parametrize("path", ["/fast", "/items/1", "/nowhere"])
def test_every_answer_carries_the_fixed_headers_and_a_request_id(path: str) -> None:
    with TestClient(_edge()) as client:
        response = client.get(path)
    assert response.headers["x-service"] == "test"
    assert len(response.headers["x-request-id"]) == 32
    assert "connection" not in response.headers or response.headers["connection"] != "close"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("req-1.A_b", True), ("bad id with spaces", False), ("x" * 129, False), ("", False)],
)
def test_a_well_formed_request_id_is_kept_any_other_replaced(sent: str, kept: bool) -> None:
    with TestClient(_edge()) as client:
        for path in ("/fast", "/items/1"):
            got = client.get(path, headers={"x-request-id": sent}).headers["x-request-id"]
            assert (got == sent) is kept


@pytest.mark.parametrize("path", ["/fast", "/items/1"])
def test_connection_close_while_closing(path: str) -> None:
    with TestClient(_edge(closing=True)) as client:
        assert client.get(path).headers["connection"] == "close"


def test_fast_answer_skips_the_framework_for_get_and_head() -> None:
    with TestClient(_edge()) as client:
        got = client.get("/fast")
        head = client.head("/fast")
    assert got.content == FAST_BODY
    assert got.headers["content-type"] == "application/json"
    assert got.headers["cache-control"] == "no-store"
    assert head.content == b""
    assert head.headers["content-length"] == str(len(FAST_BODY))


def test_a_request_with_a_body_or_another_method_reaches_the_framework() -> None:
    with TestClient(_edge()) as client:
        framed = client.request("GET", "/fast", headers={"content-length": "0"})
        posted = client.post("/fast")
    assert framed.json() == {"status": "framework"}
    assert posted.status_code == 405


def test_metrics_count_fast_and_framework_answers_by_template() -> None:
    with TestClient(_edge()) as client:
        client.get("/fast")
        client.get("/items/1")
        client.get("/items/2")
        client.get("/no/such/path")
        text = client.get("/metrics").text
    assert 'http_requests_total{handler="/fast",method="GET",status="2xx"} 1.0' in text
    assert 'http_requests_total{handler="/items/{item_id}",method="GET",status="2xx"} 2.0' in text
    assert 'http_requests_total{handler="none",method="GET",status="4xx"} 1.0' in text
    assert 'handler="/metrics"' not in text
    assert "/no/such/path" not in text


def test_invented_methods_are_counted_as_other() -> None:
    with TestClient(_edge()) as client:
        for n in range(50):
            client.request(f"INVENTED{n}", "/items/1")
        text = client.get("/metrics").text
    labels = 'handler="/items/{item_id}",method="other",status="4xx"'
    assert f"http_requests_total{{{labels}}} 50.0" in text
    assert "INVENTED" not in text


def test_the_exposition_is_answered_before_the_framework_and_documented() -> None:
    with TestClient(_edge()) as client:
        response = client.get("/metrics")
        document = client.get("/openapi.json").json()
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-service"] == "test"
    content = document["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(content) == [HttpMetrics.content_type]
