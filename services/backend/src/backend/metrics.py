"""Prometheus exposition: RED metrics by route template, build info and readiness."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_fastapi_instrumentator import Instrumentator

from backend.readiness import Verdict
from backend.settings import Settings
from backend.state import RuntimeState


class _StateCollector(Collector):
    """Reads the runtime state at scrape time, so gauges can never go stale."""

    def __init__(
        self, settings: Settings, state: RuntimeState, verdict: Callable[[], Verdict]
    ) -> None:
        self._settings = settings
        self._state = state
        self._verdict = verdict

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
        ready.add_metric([], 1.0 if self._verdict().ready else 0.0)
        yield ready
        draining = GaugeMetricFamily("backend_draining", "1 after SIGTERM, while draining.")
        draining.add_metric([], 1.0 if self._state.lifecycle.draining else 0.0)
        yield draining


def install(
    app: FastAPI, settings: Settings, state: RuntimeState, verdict: Callable[[], Verdict]
) -> None:
    """Instrument every route and serve ``/metrics`` from an app-local registry."""
    registry = CollectorRegistry()
    registry.register(_StateCollector(settings, state, verdict))
    instrumentator = Instrumentator(
        should_group_status_codes=False,
        should_group_untemplated=True,  # unknown paths share the "none" label: bounded cardinality
        excluded_handlers=["/metrics"],
        registry=registry,
    )
    instrumentator.instrument(app).expose(
        app, endpoint="/metrics", include_in_schema=True, tags=["metrics"]
    )
