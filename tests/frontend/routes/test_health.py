from __future__ import annotations

from pathlib import Path

from tests.frontend.support import ClientFactory
from tests.frontend.support.fakes import StaticCluster


def test_read_liveness_is_ok(make_client: ClientFactory) -> None:
    response = make_client(StaticCluster()).get("/healthz")

    assert (response.status_code, response.json()["status"]) == (200, "ok")


def test_read_readiness_waits_for_first_sync(make_client: ClientFactory) -> None:
    cluster = StaticCluster(synced=False)
    client = make_client(cluster)

    waiting = client.get("/readyz")
    cluster.synced = True
    ready = client.get("/readyz")

    assert waiting.status_code == 503
    assert "deployments/shop" in waiting.json()["detail"]
    assert ready.status_code == 200


def test_read_readiness_is_immediate_without_cluster(make_client: ClientFactory) -> None:
    response = make_client().get("/readyz")

    assert response.status_code == 200
    assert "no cluster configured" in response.json()["detail"]


def test_read_metrics_exposes_cache_counters(make_client: ClientFactory) -> None:
    client = make_client(StaticCluster())
    client.get("/")

    text = client.get("/metrics").text

    assert 'frontend_watch_relists_total{namespace="shop",resource="pods"} 1.0' in text
    assert "frontend_sse_clients 0.0" in text
    assert "frontend_board_renders_total" in text


def test_read_readiness_fails_while_the_kubeconfig_is_unusable(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    broken = tmp_path / "kubeconfig"
    broken.write_text("clusters: [this is not a kubeconfig")

    response = make_client(kubeconfig=broken).get("/readyz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "cannot load the cluster configuration" in response.json()["detail"]
