"""Mutable runtime state of one backend process, owned by the app (no globals)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass
class DependencyResult:
    """Last outcome of one readiness dependency check."""

    name: str
    ok: bool
    message: str
    checked_at: float


@dataclass
class Faults:
    """Fault drills an operator has switched on. All off by default."""

    readiness_disabled: bool = False
    liveness_failing: bool = False
    latency_ms: int = 0
    error_rate: float = 0.0

    def clear(self) -> None:
        self.readiness_disabled = False
        self.liveness_failing = False
        self.latency_ms = 0
        self.error_rate = 0.0


@dataclass
class Lifecycle:
    """Where the process is between start-up and exit."""

    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    started_monotonic: float = field(default_factory=time.monotonic)
    startup_complete: bool = False
    draining: bool = False
    drain_started_monotonic: float | None = None

    def begin_drain(self) -> None:
        if not self.draining:
            self.draining = True
            self.drain_started_monotonic = time.monotonic()

    def uptime_seconds(self) -> float:
        return time.monotonic() - self.started_monotonic


@dataclass
class Runtime:
    """Everything the routes read; the lifecycle, the fault drills and the checks write it."""

    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    faults: Faults = field(default_factory=Faults)
    # The URLs readiness waits for, in the order /readyz lists them. Kept apart from the
    # results so a configured URL without a result yet reads "not checked yet".
    readiness_urls: tuple[str, ...] = ()
    dependency_results: dict[str, DependencyResult] = field(default_factory=dict)
