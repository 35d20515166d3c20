"""The four keys' report: what delivery-metrics prints and the board draws (plain data).

Computed by ``delivery.dora.compute`` from the history ``delivery.history`` reads; see
docs/specs/delivery-records.md for the definitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Band = Literal["elite", "high", "medium", "low"]
EventKind = Literal["verified", "failed", "reverted", "unverified"]


@dataclass(frozen=True)
class Event:
    """One promotion on the chart: when it happened and how it ended."""

    environment: str
    at: datetime
    kind: EventKind
    promotion: str  # the promotion commit's SHA
    source_sha: str


@dataclass(frozen=True)
class EnvironmentMetrics:
    environment: str
    deployments: int  # verified promotions in the window
    per_day: float
    lead_time_median_s: float | None
    lead_time_p90_s: float | None
    lead_time_unknown: int  # verified promotions whose source commit was not found
    change_failure_rate: float | None  # None: no promotion with an outcome
    failures: int  # failed or reverted promotions
    outcomes: int  # promotions with an outcome (the rate's denominator)
    restore_median_s: float | None
    open_failures: int  # failures with no verified deployment after them yet
    unverified: int  # promotions with no record and no revert
    bands: dict[str, Band | None]  # key -> band: frequency, lead_time, failure_rate, restore


@dataclass(frozen=True)
class Report:
    schema: str  # "delivery-metrics/v1"
    since: datetime
    until: datetime
    environments: tuple[EnvironmentMetrics, ...]
    events: tuple[Event, ...]  # oldest first, every environment
    bands_source: str  # where the band thresholds come from
