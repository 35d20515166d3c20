"""Prometheus exposition: RED metrics by route template, build info and readiness."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_fastapi_instrumentator import Instrumentator

from backend import readiness
from backend.runtime import Runtime
from backend.settings import Settings


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


def install(app: FastAPI, settings: Settings, runtime: Runtime) -> None:
    """Instrument every route and serve ``/metrics`` from an app-local registry."""
    registry = CollectorRegistry()
    registry.register(_RuntimeCollector(settings, runtime))
    instrumentator = Instrumentator(
        should_group_status_codes=False,
        should_group_untemplated=True,  # unknown paths share the "none" label: bounded cardinality
        excluded_handlers=["/metrics"],
        registry=registry,
    )
    instrumentator.instrument(app).expose(
        app, endpoint="/metrics", include_in_schema=True, tags=["metrics"]
    )
