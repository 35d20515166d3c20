from __future__ import annotations

from fastapi.testclient import TestClient

from tests.backend.support import ClientFactory
from tests.support.constants import SHA_A


def test_metrics_use_route_templates_not_raw_paths(client: TestClient) -> None:
    """The instrumentator's names and labels (status grouped, its default)."""
    client.get("/meta")
    client.get("/meta", headers={"content-length": "0"})  # the framework's route: one name
    for n in range(5):
        client.get(f"/no/such/path/{n}")
    text = client.get("/metrics").text
    assert 'http_requests_total{handler="/meta",method="GET",status="2xx"} 2.0' in text
    assert 'http_requests_total{handler="none",method="GET",status="4xx"} 5.0' in text
    assert "/no/such/path" not in text
    assert 'handler="/metrics"' not in text
    bucket = 'http_request_duration_seconds_bucket{handler="/meta",le="0.0005",method="GET"'
    assert bucket in text


def test_build_info_and_readiness_gauges(client: TestClient) -> None:
    text = client.get("/metrics").text
    labels = f'environment="dev",git_sha="{SHA_A}",service="backend",version="1.2.3"'
    assert f"backend_build_info{{{labels}}} 1.0" in text
    assert "backend_ready 1.0" in text
    client.app.state.runtime.lifecycle.begin_drain()  # type: ignore[attr-defined]
    text = client.get("/metrics").text
    assert "backend_ready 0.0" in text
    assert "backend_draining 1.0" in text


def test_backend_ready_counts_dependencies_like_readyz(make_client: ClientFactory) -> None:
    client = make_client(readiness_urls="http://127.0.0.1:9/healthz")
    assert client.get("/readyz").status_code == 503
    assert client.get("/meta").json()["ready"] is False
    assert "backend_ready 0.0" in client.get("/metrics").text


def test_metrics_content_type_is_prometheus_text(client: TestClient) -> None:
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")
