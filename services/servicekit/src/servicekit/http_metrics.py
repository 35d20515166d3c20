"""HTTP metrics from prometheus-fastapi-instrumentator, configured once for every service.

The library's middleware times each request and names it by its route template; one
instrumentation records what its ready-made ``requests()`` and ``latency()`` record,
under the names, help and labels they document:
``http_requests_total{handler,method,status}`` and
``http_request_duration_seconds{handler,method,status}`` (status grouped as ``2xx``, its
default). Our choices: the method label is bounded (a method a client invents is
counted as ``other``, so nobody can grow ``/metrics``), the label children are looked up
once, and the latency buckets start at half a millisecond, where a probe's answers are.
Its ``default()`` set (request and response sizes, a second histogram) costs half as
much again per request, which a probe answered thousands of times a second does not
need (ADR 0020, bench/backend.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_fastapi_instrumentator import Instrumentator, metrics
from prometheus_fastapi_instrumentator.middleware import PrometheusInstrumentatorMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from servicekit.http import NO_STORE
from servicekit.shortcuts import Shortcut

Instrumentation = Callable[[metrics.Info], None]

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# From a loopback probe answer (~0.1 ms) to a slow board render.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def requests_and_latency(registry: CollectorRegistry) -> Instrumentation:
    """The library's ``metrics.requests()`` and ``metrics.latency()`` in one
    instrumentation: the same names, help and labels, with the method bounded and each
    label set's children looked up once (``labels()`` costs more than the increment)."""
    labels = ("handler", "method", "status")
    total = Counter("http_requests_total", "Total number of requests by method, status and "
                    "handler.", labels, registry=registry)  # fmt: skip
    duration = Histogram("http_request_duration_seconds", "Duration of HTTP requests in "
                         "seconds", labels, buckets=BUCKETS, registry=registry)  # fmt: skip
    children: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}

    def instrumentation(info: metrics.Info) -> None:
        method = info.method if info.method in METHODS else "other"
        key = (info.modified_handler, method, info.modified_status)
        found = children.get(key)
        if found is None:
            found = children[key] = (total.labels(*key), duration.labels(*key))
        found[0].inc()
        found[1].observe(info.modified_duration)

    return instrumentation


class Middleware(PrometheusInstrumentatorMiddleware):
    """The library's middleware, told the paths that are their own route template.

    Its route lookup builds a request and asks every route of the app in turn: about a
    sixth of a probe's time in Python (bench/backend.md). A shortcut's path is an exact
    route, so its handler is the path itself; every other request is looked up as the
    library does.
    """

    def __init__(self, app: ASGIApp, exact: Iterable[str], **options: Any) -> None:
        super().__init__(app, **options)
        self.exact = frozenset(exact)

    def _get_handler(self, request: Request) -> tuple[str, bool]:
        path: str = request.scope["path"]
        if path in self.exact:
            return path, True
        return super()._get_handler(request)


class HttpMetrics:
    """The instrumentator of one service, in that service's own registry.

    ``handler`` is the route template (``none`` when no route matched), so raw paths
    never become labels; handlers in ``excluded`` (``/metrics`` itself, streams that never
    end) are not recorded. The exposition is served at ``path``.
    """

    path = "/metrics"
    content_type = CONTENT_TYPE_LATEST

    def __init__(
        self, registry: CollectorRegistry, excluded: Iterable[str] = ("/metrics",)
    ) -> None:
        self.registry = registry
        self.instrumentator = Instrumentator(
            excluded_handlers=[f"^{re.escape(handler)}$" for handler in excluded],
            registry=registry,
        )
        self.instrumentator.add(requests_and_latency(registry))

    def middleware(self, app: ASGIApp, exact: Iterable[str] = ()) -> Middleware:
        """The library's middleware around APP, as ``Instrumentator.instrument`` adds it to
        a Starlette app; here around any ASGI app, so answers given before the framework
        (servicekit.shortcuts, at the EXACT paths) are counted too. APP's ``routes`` name
        the handlers."""
        options = self.instrumentator
        return Middleware(
            app,
            exact,
            should_group_status_codes=options.should_group_status_codes,
            should_ignore_untemplated=options.should_ignore_untemplated,
            should_group_untemplated=options.should_group_untemplated,
            excluded_handlers=[pattern.pattern for pattern in options.excluded_handlers],
            instrumentations=options.instrumentations,
            registry=options.registry,
        )

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)

    def shortcut(self) -> Shortcut:
        """``GET /metrics``: the exposition, answered before the framework."""

        async def read_metrics(_: Request) -> Response:
            """Prometheus exposition of this process's metrics."""
            return Response(self.exposition(), headers=NO_STORE, media_type=self.content_type)

        return Shortcut(self.path, read_metrics, ("metrics",), media_type=self.content_type)
