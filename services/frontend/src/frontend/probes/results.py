"""What the backend probes publish and the board reads: one result per target (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from frontend.cluster.snapshot import Json


@dataclass(frozen=True)
class ProbeResult:
    """The last probe of one backend target: the Service URL or one pod."""

    target: str
    url: str
    meta: Json | None = None
    ready: bool | None = None
    ready_detail: str | None = None
    latency_ms: float | None = None
    last_success: datetime | None = None
    last_attempt: datetime | None = None
    last_error: str | None = None
    consecutive_failures: int = 0


@dataclass(frozen=True)
class ProbeSnapshot:
    service: ProbeResult
    pods: tuple[ProbeResult, ...] = ()
    interval_seconds: float = 5.0

    def is_stale(self, now: datetime) -> bool:
        """No answer yet, or the last success is older than three probe intervals."""
        last = self.service.last_success
        if last is None:
            return self.service.last_attempt is not None
        return (now - last).total_seconds() > 3 * self.interval_seconds
