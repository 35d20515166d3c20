from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from pathlib import Path

from frontend.cluster.snapshot import ObjectSnapshot
from tests.frontend.support import ClientFactory
from tests.frontend.support.fakes import StaticCluster
from tools.platformkit.polling import wait_for


def test_read_liveness_is_ok(make_client: ClientFactory) -> None:
    response = make_client(StaticCluster()).get("/healthz")

    assert (response.status_code, response.json()["status"]) == (200, "ok")


WEDGE = {"liveness_stall_seconds": 1.0, "batch_interval_ms": 10}


def test_read_liveness_fails_once_the_change_feed_stops(make_client: ClientFactory) -> None:
    client = make_client(StaticCluster(), **WEDGE)
    alive = client.get("/healthz").status_code

    async def stop_the_feed() -> None:
        for task in asyncio.all_tasks():
            if task.get_name() == "change-feed":
                task.cancel()

    assert client.portal is not None
    client.portal.call(stop_the_feed)
    stalled = wait_for("liveness to fail", lambda: client.get("/healthz").status_code == 503,
                       timeout=10)  # fmt: skip
    detail = client.get("/healthz").json()["detail"]

    assert (alive, stalled) == (200, True)
    assert detail.startswith("the change feed has not moved for ")
    assert detail.endswith(" s (bound 1 s)")


class _Gate(StaticCluster):
    """A cluster whose snapshot blocks while the gate is shut: a board build that hangs."""

    def __init__(self) -> None:
        super().__init__()
        self.open = threading.Event()
        self.open.set()

    def snapshot(self) -> ObjectSnapshot:
        self.open.wait()
        return super().snapshot()


def test_read_liveness_fails_while_a_board_build_hangs(make_client: ClientFactory) -> None:
    cluster = _Gate()
    client = make_client(cluster, **WEDGE)
    cluster.open.clear()
    page = threading.Thread(target=lambda: client.get("/"), daemon=True)
    page.start()  # its build waits on the gate
    try:
        stalled = wait_for("liveness to fail", lambda: client.get("/healthz").status_code == 503,
                           timeout=10)  # fmt: skip
        detail = client.get("/healthz").json()["detail"]
    finally:
        cluster.open.set()
    page.join(10)
    recovered = wait_for("liveness back", lambda: client.get("/healthz").status_code == 200,
                         timeout=10)  # fmt: skip

    assert (stalled, recovered) == (True, True)
    assert detail.startswith("a board build has run for ")


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


def test_read_readiness_fails_while_a_kind_may_not_be_listed(make_client: ClientFactory) -> None:
    problem = 'forbidden: cannot list pods in namespace "shop" (needs get/list/watch on pods)'
    cluster = _Forbidden(problem=problem)

    response = make_client(cluster).get("/readyz")

    assert response.status_code == 503
    assert response.json()["detail"] == f"cannot list pods/shop: {problem}"


class _Forbidden(StaticCluster):
    """Every kind listed, except pods: answered with a final 403."""

    def snapshot(self) -> ObjectSnapshot:
        snap = super().snapshot()
        streams = tuple(
            replace(s, synced=False, problem=self.problem) if s.kind == "pods"
            else replace(s, problem=None)
            for s in snap.streams
        )  # fmt: skip
        return replace(snap, streams=streams)
