"""Backend probes: the only module of the frontend that talks HTTP to the backend.

A background task polls ``/meta`` and ``/readyz`` on the backend's Service URL
(and, optionally, on each backend pod by its pod IP, so the board can show which
pod serves which SHA mid-rollout). Results are stored; pages read them from memory,
so a slow or dead backend never blocks the board. The HTTP transport is injectable
(tests pass ``httpx.MockTransport``); by default it is httpx's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

import httpx

from frontend.probes.pod_targets import Target
from frontend.probes.results import ProbeResult, ProbeSnapshot
from frontend.settings import Settings
from servicekit.redaction import redact_in, redact_url

log = logging.getLogger(__name__)

# The backend pods to probe besides the Service URL, asked afresh every round.
Targets = Callable[[], Sequence[Target]]


def _error_text(exc: Exception, url: str) -> str:
    """The error as the page and the API show it: never with the URL's credentials."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    # httpx spells the request's URL in its messages; an error raised without a
    # request has none (RuntimeError).
    if isinstance(exc, httpx.HTTPError):
        with contextlib.suppress(RuntimeError):
            text = redact_in(text, str(exc.request.url))
    return redact_in(text, url)


async def probe_once(http: httpx.AsyncClient, previous: ProbeResult) -> ProbeResult:
    """GET /meta then /readyz; keep the last good /meta when the backend goes away."""
    now = datetime.now(UTC)
    started = time.perf_counter()
    try:
        meta_response = await http.get(previous.url + "/meta")
        latency_ms = (time.perf_counter() - started) * 1000
        meta_response.raise_for_status()
        meta = meta_response.json()
        if not isinstance(meta, dict):
            raise ValueError("/meta did not return a JSON object")
        # Anything else answering on the URL (a proxy's page, another service) is not the backend.
        schema = meta.get("schema_version")
        if schema != "v1":
            raise ValueError(f"/meta is not Meta v1 (schema_version {schema!r})")
        ready_response = await http.get(previous.url + "/readyz")
    except (httpx.HTTPError, ValueError) as exc:
        return replace(
            previous,
            last_attempt=now,
            last_error=_error_text(exc, previous.url),
            consecutive_failures=previous.consecutive_failures + 1,
        )
    detail = None
    try:
        checks = ready_response.json().get("checks") or []
        failing = [f"{c['name']}: {c['message']}" for c in checks if not c.get("ok")]
        detail = "; ".join(failing) or None
    except (ValueError, AttributeError, KeyError, TypeError):
        detail = f"HTTP {ready_response.status_code}"
    return replace(
        previous,
        meta=meta,
        ready=ready_response.status_code == 200,
        ready_detail=detail,
        latency_ms=round(latency_ms, 1),
        last_success=now,
        last_attempt=now,
        last_error=None,
        consecutive_failures=0,
    )


class BackendProbes:
    """Owns the probe task and its latest results."""

    def __init__(
        self,
        settings: Settings,
        pod_targets: Targets,
        changed: Callable[[], None],
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.pod_targets = pod_targets
        self.changed = changed
        self._transport = transport
        self.service = ProbeResult(target="service", url=settings.backend_base)
        self.pods: dict[str, ProbeResult] = {}
        self.attempts = 0
        # What viewers last saw. Staleness changes with time alone, so each round
        # compares against this rather than against the state just before it.
        self._published: tuple[object, ...] | None = None

    def snapshot(self) -> ProbeSnapshot:
        return ProbeSnapshot(
            service=self.service,
            pods=tuple(self.pods[name] for name in sorted(self.pods)),
            interval_seconds=self.settings.probe_interval_seconds,
        )

    def next_delay(self) -> float:
        """The interval, stretched by exponential backoff (with jitter) while failing."""
        failures = self.service.consecutive_failures
        base = self.settings.probe_interval_seconds
        if not failures:
            return base
        delay: float = min(base * 2.0 ** min(failures - 1, 6), 60.0)
        return delay * random.uniform(0.8, 1.0)  # noqa: S311

    def _visible_state(self) -> tuple[object, ...]:
        stale = self.snapshot().is_stale(datetime.now(UTC))
        return stale, _visible(self.service), tuple(map(_visible, self.pods.values()))

    def client(self) -> httpx.AsyncClient:
        """The probes' HTTP client: the probe timeout on every request, redirects not followed."""
        return httpx.AsyncClient(
            timeout=httpx.Timeout(self.settings.probe_timeout_seconds),
            follow_redirects=False,
            transport=self._transport,
        )

    async def run(self) -> None:
        async with self.client() as http:
            while True:
                await self.round(http)
                await asyncio.sleep(self.next_delay())

    async def round(self, http: httpx.AsyncClient) -> None:
        """One probe of the Service and (if enabled) every backend pod, concurrently."""
        self.attempts += 1
        pods: dict[str, ProbeResult] = {}
        if self.settings.probe_pods:
            for name, url in self.pod_targets():
                old = self.pods.get(name)
                pods[name] = old if old and old.url == url else ProbeResult(target=name, url=url)
        results = await asyncio.gather(
            probe_once(http, self.service), *(probe_once(http, p) for p in pods.values())
        )
        self.service = results[0]
        self.pods = {r.target: r for r in results[1:]}
        after = self._visible_state()
        if after != self._published:
            self._published = after
            # Latency and "last seen" alone do not wake viewers: the periodic refresh shows them.
            log.info(
                "backend probe state changed",
                extra={"url": redact_url(self.service.url), "error": self.service.last_error},
            )
            self.changed()


def _visible(result: ProbeResult) -> tuple[object, ...]:
    meta = result.meta or {}
    return (result.target, result.url, meta.get("git_sha"), meta.get("version"),
            result.ready, result.ready_detail, result.last_error)  # fmt: skip
