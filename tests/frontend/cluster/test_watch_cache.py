"""The watch cache without a control plane: no cluster, a broken kubeconfig, a dead apiserver.

The cluster tier (tests/frontend/live) runs it against the real control plane.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest

from frontend.cluster.kinds import WORKLOAD_KINDS
from frontend.cluster.watch_cache import WatchCache
from frontend.settings import Settings


def _kubeconfig(path: Path, server: str) -> Path:
    doc = {
        "apiVersion": "v1", "kind": "Config", "current-context": "board",
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": {"token": "not-a-real-token"}}],
        "contexts": [{"name": "board", "context": {"cluster": "c", "user": "u",
                                                    "namespace": "shop"}}],
    }  # fmt: skip
    path.write_text(json.dumps(doc))
    return path


def test_watch_cache_without_a_cluster_is_unconfigured_and_quiet() -> None:
    cache = WatchCache(Settings(), lambda: None)

    cache.start()
    snapshot = cache.snapshot()
    cache.stop()

    assert (snapshot.configured, snapshot.source, snapshot.server) == (False, "none", None)
    assert (snapshot.namespaces, snapshot.streams, snapshot.problems) == (("default",), (), ())
    assert snapshot.synced  # nothing to wait for: readiness does not block


def test_watch_cache_outside_a_pod_ignores_a_stray_service_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")  # but no service account token

    cache = WatchCache(Settings(), lambda: None)
    cache.start()

    assert (cache.snapshot().configured, cache.snapshot().problems) == (False, ())


def test_watch_cache_reports_an_unusable_kubeconfig_instead_of_failing(tmp_path: Path) -> None:
    broken = tmp_path / "kubeconfig"
    broken.write_text("clusters: [this is not a kubeconfig")

    cache = WatchCache(Settings(kubeconfig=broken), lambda: None)
    cache.start()

    (problem,) = cache.snapshot().problems
    assert problem.startswith("cannot load the cluster configuration: ")
    assert not cache.snapshot().configured


def test_watch_cache_on_a_dead_apiserver_names_every_stream_and_keeps_waiting(
    tmp_path: Path,
) -> None:
    config = _kubeconfig(tmp_path / "kubeconfig", "http://127.0.0.1:9")  # nothing listens
    cache = WatchCache(Settings(kubeconfig=config, backoff_max_seconds=0.1), lambda: None)

    cache.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not all(s.problem for s in cache.snapshot().streams):
            time.sleep(0.05)
        snapshot = cache.snapshot()
    finally:
        cache.stop()

    assert (snapshot.configured, snapshot.server, snapshot.namespaces) == (
        True, "http://127.0.0.1:9", ("shop",),
    )  # fmt: skip
    assert snapshot.source == f"kubeconfig {config}"
    assert sorted(s.kind for s in snapshot.streams) == sorted(k.plural for k in WORKLOAD_KINDS)
    assert all(
        (s.problem or "").startswith("cannot reach the Kubernetes API") for s in snapshot.streams
    )
    assert not snapshot.synced  # readiness waits for a first answer


def test_a_silent_apiserver_is_reported_by_the_health_check(tmp_path: Path) -> None:
    # Accepts connections and never answers: what a stopped (SIGSTOP) apiserver looks
    # like from outside, watches open and silent.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        server = f"http://127.0.0.1:{silent.getsockname()[1]}"
        config = _kubeconfig(tmp_path / "kubeconfig", server)
        settings = Settings(kubeconfig=config, apiserver_check_seconds=1)
        cache = WatchCache(settings, lambda: None)
        cache.start()
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and cache.snapshot().api_problem is None:
                time.sleep(0.05)
            snapshot = cache.snapshot()
        finally:
            cache.stop()
    assert snapshot.api_problem is not None
    assert snapshot.api_problem.startswith("the Kubernetes API is not answering: GET /version")
    assert snapshot.stale_since == snapshot.api_stale_since
    assert snapshot.problems[0] == snapshot.api_problem
