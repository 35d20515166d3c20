"""Backend probes through a real httpx transport seam (``httpx.MockTransport``), no sockets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from frontend.probes.pod_targets import Target
from frontend.probes.poller import BackendProbes, probe_once
from frontend.probes.results import ProbeResult
from frontend.settings import Settings

Json = dict[str, Any]
Handler = Callable[[httpx.Request], httpx.Response]

SHA_A, SHA_B = "a" * 40, "b" * 40
SERVICE = "http://backend.test:8080"
EARLIER = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)


def meta_v1(git_sha: str = SHA_A, version: str = "1.4.0") -> Json:
    """The backend's ``/meta`` (Meta v1), as README.md documents it."""
    return {
        "schema_version": "v1", "service": "backend", "version": version, "git_sha": git_sha,
        "build_time": "2026-11-26T03:00:00Z",
        "image": {"ref": "ghcr.io/example/backend:0123456", "digest": "sha256:" + "9f" * 32},
        "environment": "staging",
        "pod": {"name": "backend-5f7b9-xk2lp", "namespace": "staging", "node": "kwok-node-0",
                "ip": "10.244.0.7"},
        "started_at": "2026-11-26T04:02:11.738068Z", "uptime_seconds": 0.881, "ready": True,
    }  # fmt: skip


def readyz(*failing: tuple[str, str]) -> httpx.Response:
    """``/readyz`` as the backend answers it: 200 with every check ok, else 503 naming them."""
    checks = [{"name": "startup", "ok": True, "message": "start-up complete"}]
    checks += [{"name": name, "ok": False, "message": message} for name, message in failing]
    status = "unavailable" if failing else "ok"
    return httpx.Response(503 if failing else 200, json={"status": status, "checks": checks})


def backend(meta: Json | None = None, ready: httpx.Response | None = None) -> Handler:
    """A healthy backend unless told otherwise."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/meta":
            return httpx.Response(200, json=meta or meta_v1())
        if request.url.path == "/readyz":
            return ready or readyz()
        return httpx.Response(404)

    return handle


def probe(handler: Handler, previous: ProbeResult | None = None) -> ProbeResult:
    async def once() -> ProbeResult:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            return await probe_once(http, previous or ProbeResult(target="service", url=SERVICE))

    return asyncio.run(once())


def test_probe_once_reads_meta_v1_and_readiness() -> None:
    result = probe(backend())

    assert result.meta == meta_v1()
    assert (result.ready, result.ready_detail, result.last_error) == (True, None, None)
    assert result.consecutive_failures == 0
    assert result.last_success is not None
    assert result.last_success == result.last_attempt
    assert result.latency_ms is not None
    assert result.latency_ms >= 0


def test_probe_once_names_the_failing_readiness_checks() -> None:
    failing = readyz(("drain", "draining after SIGTERM"), ("operator", "disabled by an operator"))

    result = probe(backend(ready=failing))

    # The backend answered: a 503 readyz is a successful probe of a backend that is not ready.
    assert (result.ready, result.last_error, result.consecutive_failures) == (False, None, 0)
    assert result.ready_detail == "drain: draining after SIGTERM; operator: disabled by an operator"
    assert result.meta == meta_v1()


@pytest.mark.parametrize(
    ("ready", "detail"),
    [
        pytest.param(httpx.Response(503, text="<h1>busy</h1>"), "HTTP 503", id="non-json-503"),
        pytest.param(httpx.Response(503, json=["not", "checks"]), "HTTP 503", id="json-list"),
        pytest.param(
            httpx.Response(503, json={"checks": [{"ok": False}]}), "HTTP 503", id="check-unnamed"
        ),
        pytest.param(httpx.Response(200, json={"status": "ok"}), None, id="ok-without-checks"),
    ],
)
def test_probe_once_falls_back_to_the_status_code_for_unreadable_readiness(
    ready: httpx.Response, detail: str | None
) -> None:
    result = probe(backend(ready=ready))

    assert (result.ready, result.ready_detail) == (ready.status_code == 200, detail)
    assert result.last_error is None


def _refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def _timed_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


def _readyz_unreachable(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/readyz":
        raise httpx.ConnectError("connection reset", request=request)
    return httpx.Response(200, json=meta_v1(SHA_B))


FAILURES = [
    pytest.param(_refused, "ConnectError: connection refused", id="connection-refused"),
    pytest.param(_timed_out, "ReadTimeout: timed out", id="timeout"),
    pytest.param(
        lambda _: httpx.Response(200, text="<html>login</html>"), "JSONDecodeError", id="non-json"
    ),
    pytest.param(
        lambda _: httpx.Response(200, json=[meta_v1()]),
        "ValueError: /meta did not return a JSON object",
        id="json-but-not-an-object",
    ),
    pytest.param(
        backend(meta={**meta_v1(), "schema_version": "v2"}),
        "ValueError: /meta is not Meta v1 (schema_version 'v2')",
        id="wrong-schema-version",
    ),
    pytest.param(
        backend(meta={"status": "ok"}),
        "ValueError: /meta is not Meta v1 (schema_version None)",
        id="another-service's-json",
    ),
    pytest.param(
        lambda _: httpx.Response(500, json={"error": {"status": 500}}),
        "HTTPStatusError: Server error '500 Internal Server Error'",
        id="meta-500",
    ),
    pytest.param(
        lambda _: httpx.Response(302, headers={"location": "http://elsewhere/"}),
        "HTTPStatusError: Redirect response '302 Found'",
        id="redirect-not-followed",
    ),
    pytest.param(_readyz_unreachable, "ConnectError: connection reset", id="readyz-unreachable"),
]


@pytest.mark.parametrize(("handler", "error"), FAILURES)
def test_probe_once_reports_a_failure_and_keeps_the_last_good_answer(
    handler: Handler, error: str
) -> None:
    good = ProbeResult(
        "service", SERVICE, meta_v1(), ready=True, last_success=EARLIER, last_attempt=EARLIER,
        consecutive_failures=2,
    )  # fmt: skip

    result = probe(handler, good)

    assert result.last_error is not None
    assert result.last_error.startswith(error)
    assert result.consecutive_failures == 3
    assert result.last_attempt is not None
    assert result.last_attempt > EARLIER
    # What the backend said last time stays on the board, marked by its age.
    assert (result.meta, result.ready, result.last_success) == (meta_v1(), True, EARLIER)


# --- BackendProbes: the Service and each backend pod, round after round ----------------------


class Backends:
    """Backends by host: each answers /meta and /readyz as set, and every request is recorded."""

    def __init__(self, **hosts: Handler) -> None:
        self.hosts = hosts
        self.requests: list[str] = []
        self.seen: Callable[[], None] = lambda: None  # called after recording each request

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        self.seen()
        return self.hosts.get(request.url.host, _refused)(request)


class Probed:
    """BackendProbes over a set of pod targets the test changes between rounds."""

    def __init__(self, backends: Backends, *targets: Target, **settings: Any) -> None:
        self.targets = list(targets)
        self.marks = 0
        self.backends = backends
        config = Settings(backend_url=SERVICE, probe_pods=True, **settings)
        self.probes = BackendProbes(
            config, lambda: self.targets, self._mark, transport=httpx.MockTransport(backends)
        )

    def _mark(self) -> None:
        self.marks += 1

    def round(self) -> None:
        async def once() -> None:
            async with self.probes.client() as http:
                await self.probes.round(http)

        asyncio.run(once())

    def pod(self, name: str) -> ProbeResult:
        return next(p for p in self.probes.snapshot().pods if p.target == name)


POD_A = Target("backend-a", "http://10.0.0.1:8080")
POD_B = Target("backend-b", "http://10.0.0.2:8080")
POD_C = Target("backend-c", "http://10.0.0.3:8080")


def _fleet() -> Backends:
    return Backends(**{
        "backend.test": backend(meta_v1(SHA_A)),
        "10.0.0.1": backend(meta_v1(SHA_A)),
        "10.0.0.2": backend(meta_v1(SHA_B), readyz(("drain", "draining after SIGTERM"))),
        "10.0.0.3": backend(meta_v1(SHA_B)),
    })  # fmt: skip


def test_round_keeps_one_result_per_pod() -> None:
    probed = Probed(_fleet(), POD_B, POD_A)

    probed.round()

    snapshot = probed.probes.snapshot()
    assert [p.target for p in snapshot.pods] == ["backend-a", "backend-b"]
    a, b = snapshot.pods
    assert (a.url, (a.meta or {})["git_sha"], a.ready, a.ready_detail) == (
        POD_A.url, SHA_A, True, None,
    )  # fmt: skip
    assert (b.url, (b.meta or {})["git_sha"], b.ready, b.ready_detail) == (
        POD_B.url, SHA_B, False, "drain: draining after SIGTERM",
    )  # fmt: skip
    assert (snapshot.service.url, snapshot.service.ready) == (SERVICE, True)


def test_round_follows_pods_appearing_and_disappearing() -> None:
    fleet = _fleet()
    del fleet.hosts["10.0.0.2"]  # backend-b does not answer
    probed = Probed(fleet, POD_A, POD_B)
    probed.round()

    probed.targets = [POD_B, POD_C]  # a went away, c appeared
    probed.round()

    assert [p.target for p in probed.probes.snapshot().pods] == ["backend-b", "backend-c"]
    assert probed.pod("backend-b").consecutive_failures == 2  # the same pod: its history carries
    assert probed.pod("backend-c").last_error is None

    probed.targets = [Target("backend-b", "http://10.0.0.9:8080"), POD_C]  # b got a new IP
    probed.round()

    assert probed.pod("backend-b").consecutive_failures == 1  # a new address starts afresh
    assert probed.pod("backend-b").url == "http://10.0.0.9:8080"


def test_round_marks_a_change_only_when_something_visible_changed() -> None:
    fleet = _fleet()
    probed = Probed(fleet, POD_A)

    probed.round()
    probed.round()  # the same answers (only latency differs): nothing to push
    assert probed.marks == 1

    fleet.hosts["backend.test"] = backend(meta_v1(SHA_B))  # a rollout reached the Service
    probed.round()
    assert probed.marks == 2

    probed.targets = [POD_A, POD_C]
    probed.round()
    probed.round()
    assert probed.marks == 3

    fleet.hosts["backend.test"] = _refused
    probed.round()
    assert probed.marks == 4
    assert probed.probes.snapshot().service.last_error is not None


def test_round_without_pod_probes_never_asks_for_targets() -> None:
    def no_targets() -> list[Target]:
        raise AssertionError("pod targets read although FRONTEND_PROBE_PODS is off")

    backends = _fleet()
    probes = BackendProbes(
        Settings(backend_url=SERVICE), no_targets, lambda: None, httpx.MockTransport(backends)
    )

    async def once() -> None:
        async with probes.client() as http:
            await probes.round(http)

    asyncio.run(once())

    assert probes.snapshot().pods == ()
    assert backends.requests == [SERVICE + "/meta", SERVICE + "/readyz"]


def test_run_probes_through_the_injected_transport_until_cancelled() -> None:
    backends = _fleet()
    probed = Probed(backends, POD_A, probe_interval_seconds=0.01, probe_timeout_seconds=1.5)

    async def two_rounds() -> None:
        second_round = asyncio.Event()

        # Two rounds: the Service and one pod, /meta and /readyz each.
        def seen() -> None:
            if len(backends.requests) >= 8:
                second_round.set()

        backends.seen = seen
        task = asyncio.create_task(probed.probes.run())
        await second_round.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(asyncio.wait_for(two_rounds(), 5))

    assert {SERVICE + "/meta", SERVICE + "/readyz", POD_A.url + "/meta"} <= set(backends.requests)
    assert probed.probes.attempts >= 2
    client = probed.probes.client()
    assert (client.timeout, client.follow_redirects) == (httpx.Timeout(1.5), False)


@pytest.mark.parametrize(
    ("failures", "low", "high"),
    [
        pytest.param(0, 5.0, 5.0, id="healthy-probes-every-interval"),
        pytest.param(1, 4.0, 5.0, id="first-failure-jitters-the-interval"),
        pytest.param(3, 16.0, 20.0, id="doubles-per-failure"),
        pytest.param(12, 48.0, 60.0, id="capped-at-a-minute"),
    ],
)
def test_probe_delay_backs_off_while_the_service_fails(
    failures: int, low: float, high: float
) -> None:
    probes = BackendProbes(Settings(backend_url=SERVICE), list, lambda: None)
    probes.service = ProbeResult(target="service", url=SERVICE, consecutive_failures=failures)

    assert all(low <= probes.next_delay() <= high for _ in range(50))


def test_probe_errors_never_show_the_urls_credentials() -> None:
    secret_url = "http://probe:s3cret@backend.test:8080"

    def not_found(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, request=request)

    result = probe(not_found, ProbeResult("service", secret_url))

    assert result.last_error is not None
    assert "404" in result.last_error
    assert "backend.test:8080" in result.last_error
    assert "s3cret" not in result.last_error
