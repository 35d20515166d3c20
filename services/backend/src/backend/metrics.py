"""Prometheus metrics: RED metrics by route template, build info and readiness.

servicekit.edge serves the exposition; the framework documents it."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector

from backend import readiness
from backend.runtime import Runtime
from backend.settings import Settings
from servicekit.http_metrics import HttpMetrics


class _RuntimeCollector(Collector):
    """Reads the runtime at scrape time, so gauges can never go stale."""

    def __init__(self, settings: Settings, runtime: Runtime) -> None:
        self._settings = settings
        self._runtime = runtime

    def collect(self) -> Iterator[Metric]:
        info = InfoMetricFamily("backend_build", "Build identity of the running backend.")
        info.add_metric(
            [],
            {
                "service": self._settings.service_name,
                "version": self._settings.version or "unknown",
                "git_sha": self._settings.git_sha or "unknown",
                "environment": self._settings.environment,
            },
        )
        yield info
        ready = GaugeMetricFamily("backend_ready", "1 when /readyz answers 200, else 0.")
        ready.add_metric([], 1.0 if readiness.current(self._runtime).ready else 0.0)
        yield ready
        draining = GaugeMetricFamily("backend_draining", "1 after SIGTERM, while draining.")
        draining.add_metric([], 1.0 if self._runtime.lifecycle.draining else 0.0)
        yield draining


def http_metrics(settings: Settings, runtime: Runtime) -> HttpMetrics:
    """The RED metrics and the runtime's gauges, in a registry of this app's own."""
    registry = CollectorRegistry()
    registry.register(_RuntimeCollector(settings, runtime))
    return HttpMetrics(registry, excluded=["/metrics"])
