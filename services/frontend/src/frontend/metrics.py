"""Prometheus exposition: RED metrics by route template, plus the watch cache's own counters."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from frontend.state import Runtime
from servicekit.http_metrics import HttpMetrics


class _RuntimeCollector(Collector):
    """Reads the watch cache, probes and viewers at scrape time, so values can never go stale."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def collect(self) -> Iterator[Metric]:
        snap = self._runtime.objects.snapshot()
        labels = ["resource", "namespace"]
        restarts = CounterMetricFamily(
            "frontend_watch_restarts",
            "Watch streams (re)opened after ending or failing.",
            labels=labels,
        )
        relists = CounterMetricFamily(
            "frontend_watch_relists", "Full LISTs (start, 410 Gone, resync).", labels=labels
        )
        errors = CounterMetricFamily(
            "frontend_watch_errors", "Failed list or watch requests.", labels=labels
        )
        objects = GaugeMetricFamily(
            "frontend_cache_objects", "Objects held in the cache.", labels=labels
        )
        stale = GaugeMetricFamily(
            "frontend_cache_stale", "1 while a stream serves last-known data.", labels=labels
        )
        for s in snap.streams:
            key = [s.kind, s.namespace]
            restarts.add_metric(key, s.watch_restarts)
            relists.add_metric(key, s.relists)
            errors.add_metric(key, s.errors)
            objects.add_metric(key, s.objects)
            stale.add_metric(key, 1.0 if s.stale_since else 0.0)
        yield from (restarts, relists, errors, objects, stale)
        synced = GaugeMetricFamily("frontend_cache_synced", "1 once every stream has synced.")
        synced.add_metric([], 1.0 if snap.synced else 0.0)
        yield synced
        viewers = GaugeMetricFamily("frontend_sse_clients", "Open /events streams.")
        viewers.add_metric([], self._runtime.feed_viewers)
        yield viewers
        version = CounterMetricFamily("frontend_board_versions", "Batched board changes pushed.")
        version.add_metric([], self._runtime.feed.batches)
        yield version
        renders = CounterMetricFamily("frontend_board_renders", "Board builds (one per version).")
        renders.add_metric([], self._runtime.board.renders)
        yield renders
        probe = self._runtime.probes.snapshot().service
        up = GaugeMetricFamily("frontend_backend_up", "1 when the last backend probe succeeded.")
        up.add_metric([], 1.0 if probe.last_success and not probe.last_error else 0.0)
        yield up


def http_metrics(runtime: Runtime) -> HttpMetrics:
    """The instrumentator and the board's gauges, in a registry of this app's own."""
    registry = CollectorRegistry()
    registry.register(_RuntimeCollector(runtime))
    # SSE streams would swamp the latency histogram.
    return HttpMetrics(registry, excluded=["/metrics", "/events"])
