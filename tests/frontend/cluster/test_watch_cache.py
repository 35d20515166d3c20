"""The watch cache without a control plane: no cluster, a broken kubeconfig, a dead apiserver.

The cluster tier (tests/frontend/live) runs it against the real control plane.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from frontend.cluster.kinds import WORKLOAD_KINDS
from frontend.cluster.snapshot import ObjectSnapshot
from frontend.cluster.watch_cache import WatchCache
from frontend.settings import Settings
from tests.frontend.cluster.test_apiserver import ETCD_DOWN, READY


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
    assert snapshot.api_problem.startswith(
        "the Kubernetes API is not answering: GET /readyz?verbose"
    )
    assert snapshot.api_state == "unreachable"
    assert snapshot.stale_since == snapshot.api_stale_since
    assert snapshot.problems[0] == snapshot.api_problem


class _Apiserver(BaseHTTPRequestHandler):
    """An apiserver whose etcd can be stopped: /readyz answers what ``readyz`` holds,
    /version always answers (from memory, as the real one does), the rest is 404."""

    readyz: ClassVar[tuple[int, str]] = (200, READY)
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.asked.append(self.path)
        status, body = (200, '{"gitVersion":"v1.36.3"}') if self.path == "/version" else (
            self.readyz if self.path.startswith("/readyz") else (404, "{}")
        )  # fmt: skip
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_: object) -> None:  # quiet
        pass


@pytest.fixture
def apiserver() -> Iterator[tuple[str, type[_Apiserver]]]:
    handler = type("Apiserver", (_Apiserver,), {"readyz": (200, READY), "asked": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def _until(cache: WatchCache, done: Callable[[ObjectSnapshot], bool], what: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not done(cache.snapshot()):
        time.sleep(0.05)
    assert done(cache.snapshot()), what


def test_an_apiserver_whose_etcd_is_down_is_not_ready_and_stale_until_it_recovers(
    tmp_path: Path, apiserver: tuple[str, type[_Apiserver]]
) -> None:
    url, handler = apiserver
    config = _kubeconfig(tmp_path / "kubeconfig", url)
    changes: list[int] = []
    cache = WatchCache(Settings(kubeconfig=config, apiserver_check_seconds=1),
                       lambda: changes.append(1))  # fmt: skip
    cache.start()
    try:
        _until(cache, lambda s: s.api_state == "ready", "ready first")
        assert cache.snapshot().stale_since is None
        handler.readyz = (500, ETCD_DOWN)  # etcd stops; /version still answers
        _until(cache, lambda s: s.api_state == "not-ready", "etcd's failure seen")
        down = cache.snapshot()
        handler.readyz = (200, READY)
        _until(cache, lambda s: s.api_state == "ready", "ready again")
        back = cache.snapshot()
    finally:
        cache.stop()

    assert down.api_problem == (
        "the Kubernetes API server is not ready: GET /readyz?verbose: HTTP 500: "
        "[-]etcd failed: reason withheld; [-]etcd-readiness failed: reason withheld"
    )
    assert down.problems[0] == down.api_problem
    assert down.stale_since is not None
    assert down.stale_since == down.api_stale_since
    assert (back.api_problem, back.api_stale_since, back.stale_since) == (None, None, None)
    assert "/readyz?verbose=true" in handler.asked
    assert "/version" not in handler.asked  # /readyz gave a verdict every time
    assert changes  # each turn was pushed to the board


def test_an_apiserver_that_forbids_readyz_is_checked_with_version(
    tmp_path: Path, apiserver: tuple[str, type[_Apiserver]]
) -> None:
    url, handler = apiserver
    handler.readyz = (403, '{"kind":"Status","reason":"Forbidden"}')
    config = _kubeconfig(tmp_path / "kubeconfig", url)
    cache = WatchCache(Settings(kubeconfig=config, apiserver_check_seconds=1), lambda: None)
    cache.start()
    try:
        _until(cache, lambda s: s.api_state == "ready", "ready by /version")
    finally:
        cache.stop()

    assert "/version" in handler.asked
    assert cache.snapshot().api_problem is None
