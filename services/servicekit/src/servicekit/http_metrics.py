"""RED metrics by route template, in each service's own registry, with bounded labels."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest

# Any other method a client invents is counted as "other": a label per invented
# method would let anyone grow /metrics without bound.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# From a loopback probe answer (~0.1 ms) to a slow board render.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class HttpMetrics:
    """``http_requests_total{handler,method,status}`` and
    ``http_request_duration_seconds{handler,method}``.

    ``handler`` is the route template ("none" when no route matched), so raw paths
    never become labels. Handlers in ``excluded`` are not recorded (``/metrics``
    itself, streams that never end). The exposition is served at ``path``.
    """

    path = "/metrics"
    content_type = CONTENT_TYPE_LATEST.encode()

    def __init__(
        self, registry: CollectorRegistry, excluded: Iterable[str] = ("/metrics",)
    ) -> None:
        self.registry = registry
        self._requests = Counter(
            "http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["handler", "method", "status"],
            registry=registry,
        )
        self._duration = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and method.",
            ["handler", "method"],
            buckets=BUCKETS,
            registry=registry,
        )
        self._excluded = frozenset(excluded)
        # The label children, looked up once per label set: .labels() costs more than
        # the increment itself.
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, handler: str, method: str, status: int, seconds: float) -> None:
        if handler in self._excluded:
            return
        if method not in METHODS:
            method = "other"
        key = (handler, method, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self._requests.labels(handler, method, str(status)),
                self._duration.labels(handler, method),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)
