"""The instrumentator as every service configures it: the library's names and labels,
bounded methods, excluded handlers, buckets from half a millisecond."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from servicekit.http_metrics import BUCKETS, METHODS, HttpMetrics


async def _ok(_: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def _client(metrics: HttpMetrics) -> TestClient:
    """A Starlette app counted by METRICS' middleware, as the edge wraps a service."""
    app = Starlette(routes=[Route("/x/{n}", _ok, methods=[*METHODS]), Route("/events", _ok)])
    counted = metrics.middleware(app)

    async def asgi(scope, receive, send):  # type: ignore[no-untyped-def]
        scope["app"] = app  # what the edge does: the routes name the request
        await counted(scope, receive, send)

    return TestClient(asgi)


def test_invented_methods_share_one_label() -> None:
    metrics = HttpMetrics(CollectorRegistry())
    client = _client(metrics)
    client.get("/x/1")
    baseline = len(metrics.exposition())
    for n in range(100):
        client.request(f"INVENTED{n}", "/x/1")
        client.request(f"X-{n}", "/x/2")
    text = metrics.exposition().decode()
    assert 'http_requests_total{handler="/x/{n}",method="other",status="4xx"} 200.0' in text
    assert "INVENTED" not in text
    # One new label set per metric (method="other", 4xx), whatever the count of methods.
    assert len(text) < baseline * 2.5


def test_standard_methods_keep_their_name() -> None:
    metrics = HttpMetrics(CollectorRegistry())
    client = _client(metrics)
    for method in sorted(METHODS):
        client.request(method, "/x/1")
    text = metrics.exposition().decode()
    for method in sorted(METHODS):
        labels = f'handler="/x/{{n}}",method="{method}",status="2xx"'
        assert f"http_requests_total{{{labels}}} 1.0" in text


def test_excluded_handlers_are_not_recorded_and_others_are() -> None:
    metrics = HttpMetrics(CollectorRegistry(), excluded=["/metrics", "/events"])
    client = _client(metrics)
    client.get("/events")
    client.get("/x/1")
    text = metrics.exposition().decode()
    assert 'handler="/events"' not in text
    assert 'handler="/x/{n}"' in text


def test_the_first_bucket_is_half_a_millisecond() -> None:
    metrics = HttpMetrics(CollectorRegistry())
    _client(metrics).get("/x/1")
    text = metrics.exposition().decode()
    assert BUCKETS[0] == 0.0005
    assert 'http_request_duration_seconds_bucket{handler="/x/{n}",le="0.0005",method="GET",' in text
    count = 'http_request_duration_seconds_count{handler="/x/{n}",method="GET",status="2xx"}'
    assert f"{count} 1.0" in text


def test_a_second_instrumentator_in_one_registry_is_refused() -> None:
    registry = CollectorRegistry()
    HttpMetrics(registry)
    with pytest.raises(ValueError, match="Duplicated timeseries"):
        HttpMetrics(registry)
