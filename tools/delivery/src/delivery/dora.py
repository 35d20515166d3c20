"""DORA's four keys per environment over a window, from the promotion history (pure).

Definitions: docs/specs/delivery-records.md. In short, over the half-open window
[since, until), by each promotion's commit time:

- deployments: promotions with a ``verified`` record; frequency = that / window days;
- lead time: source commit's committer date to the first ``verified`` record;
  median and p90 (nearest rank); negative spans (clock skew) count as 0;
- change failure rate: promotions with a ``failed`` record or a revert, over
  promotions with any record or a revert (unverified ones are left out, and counted);
- time to restore: from the first ``failed`` record (a revert without one: the
  promotion's commit time) to the next ``verified`` record in the same environment
  at or after it, and at or after the revert if there is one: median.

Nothing dated at or after ``until`` is seen (records, reverts), so a report for a
past window does not change when later history is added.

Bands: the software delivery performance levels of Google Cloud's DORA
"Accelerate State of DevOps Report 2024". The report gives each cluster's typical
value, not boundaries, and two of its columns are not monotonic, so the thresholds
are ours (a month is 30 days, a week 7):

- frequency (per day): elite > 1 ("multiple deploys per day"); high 1/7 ≤ f ≤ 1
  ("between once per day and once per week"); medium 1/30 ≤ f < 1/7; low below
  (the report's lowest level; rarer than every six months is low too).
- lead time (median): elite < 1 day; high < 1 week; medium < 30 days; low from 30 days.
- time to restore (median): the report gives high and medium the same "less than one
  day" and low "one week to one month", so: elite < 1 hour; high < 1 day (the better
  of the two levels sharing it); medium 1 day to < 1 week (the gap between high's
  ceiling and low's floor); low from 1 week.
- change failure rate: the cluster values are elite 5 %, high 20 %, medium 10 %,
  low 40 %. A band for one figure must be monotonic (a lower rate never scores
  worse), so medium's 10 % cannot be a ceiling below high's 20 %: elite ≤ 5 %;
  high ≤ 20 % (which takes medium's 10 % too); medium 20 % < r < 40 % (between
  high's ceiling and low's value); low ≥ 40 %. Elite's and high's values are
  ceilings, low's is its floor, as in the restore column.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Sequence
from datetime import datetime

from delivery.history import Promotion
from delivery.report import Band, EnvironmentMetrics, Event, EventKind, Report

SCHEMA = "delivery-metrics/v1"
BANDS_SOURCE = (
    "DORA, Accelerate State of DevOps Report 2024 (Google Cloud): software delivery "
    "performance levels; thresholds as in docs/specs/delivery-records.md"
)
HOUR = 3600.0
DAY = 24 * HOUR
WEEK = 7 * DAY
MONTH = 30 * DAY


def frequency_band(per_day: float) -> Band:
    if per_day > 1:
        return "elite"
    if per_day >= 1 / 7:
        return "high"
    if per_day >= 1 / 30:
        return "medium"
    return "low"


def lead_time_band(seconds: float | None) -> Band | None:
    if seconds is None:
        return None
    if seconds < DAY:
        return "elite"
    if seconds < WEEK:
        return "high"
    return "medium" if seconds < MONTH else "low"


def failure_rate_band(rate: float | None) -> Band | None:
    if rate is None:
        return None
    if rate <= 0.05:
        return "elite"
    if rate <= 0.20:
        return "high"
    return "medium" if rate < 0.40 else "low"


def restore_band(seconds: float | None) -> Band | None:
    if seconds is None:
        return None
    if seconds < HOUR:
        return "elite"
    if seconds < DAY:
        return "high"
    return "medium" if seconds < WEEK else "low"


def p90(values: Sequence[float]) -> float:
    """Nearest rank: the smallest value with at least 90 % of the values at or below it."""
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


class _Seen:
    """A promotion as known at ``until``: later records and reverts are not yet there."""

    __slots__ = (
        "failed",
        "first_failed",
        "first_verified",
        "has_outcome",
        "promotion",
        "reverted_at",
    )

    def __init__(self, promotion: Promotion, until: datetime) -> None:
        self.promotion = promotion
        known = [r for r in promotion.records if r.at < until]
        # min, not the first in order: hand-built promotions need not be sorted.
        self.first_failed = min((r.at for r in known if r.verdict == "failed"), default=None)
        self.first_verified = min((r.at for r in known if r.verdict == "verified"), default=None)
        reverted_at = promotion.reverted_at
        self.reverted_at = reverted_at if reverted_at is not None and reverted_at < until else None
        self.failed = self.first_failed is not None or self.reverted_at is not None
        self.has_outcome = bool(known) or self.reverted_at is not None

    @property
    def kind(self) -> EventKind:
        # A failed verification is the stronger fact: the revert that usually follows
        # it is its consequence, so such a promotion is "failed", not "reverted".
        if self.first_failed is not None:
            return "failed"
        if self.reverted_at is not None:
            return "reverted"
        return "verified" if self.first_verified is not None else "unverified"


def _restore_seconds(seen: _Seen, verified_at: list[datetime]) -> float | None:
    start = seen.first_failed or seen.promotion.committed_at
    after = max(start, seen.reverted_at) if seen.reverted_at is not None else start
    index = bisect.bisect_left(verified_at, after)
    if index == len(verified_at):
        return None  # still open at until
    return (verified_at[index] - start).total_seconds()


def _environment(
    env: str, window: list[_Seen], verified_at: list[datetime], days: float
) -> EnvironmentMetrics:
    verified = [s for s in window if s.first_verified is not None]
    leads = [
        max(0.0, (s.first_verified - s.promotion.source_committed_at).total_seconds())
        for s in verified
        if s.first_verified is not None and s.promotion.source_committed_at is not None
    ]
    outcomes = [s for s in window if s.has_outcome]
    failures = [s for s in outcomes if s.failed]
    restores = [_restore_seconds(s, verified_at) for s in failures]
    restored = [r for r in restores if r is not None]
    per_day = len(verified) / days
    lead_median = statistics.median(leads) if leads else None
    rate = len(failures) / len(outcomes) if outcomes else None
    restore_median = statistics.median(restored) if restored else None
    return EnvironmentMetrics(
        environment=env,
        deployments=len(verified),
        per_day=per_day,
        lead_time_median_s=lead_median,
        lead_time_p90_s=p90(leads) if leads else None,
        lead_time_unknown=len(verified) - len(leads),
        change_failure_rate=rate,
        failures=len(failures),
        outcomes=len(outcomes),
        restore_median_s=restore_median,
        open_failures=len(restores) - len(restored),
        unverified=len(window) - len(outcomes),
        bands={
            "frequency": frequency_band(per_day),
            "lead_time": lead_time_band(lead_median),
            "failure_rate": failure_rate_band(rate),
            "restore": restore_band(restore_median),
        },
    )


def compute(
    promotions: Sequence[Promotion],
    since: datetime,
    until: datetime,
    environments: Sequence[str] | None = None,
) -> Report:
    """The report for [since, until); every environment with a promotion in it, or those named."""
    if until <= since:
        raise ValueError(f"the window is empty: since {since} is not before until {until}")
    seen = [_Seen(p, until) for p in promotions if p.committed_at < until]
    window = [s for s in seen if since <= s.promotion.committed_at]
    names = (
        list(dict.fromkeys(environments))
        if environments is not None
        else sorted({s.promotion.environment for s in window})
    )
    days = (until - since).total_seconds() / DAY
    by_env: dict[str, list[_Seen]] = {}
    for s in window:
        by_env.setdefault(s.promotion.environment, []).append(s)
    # Restores may be verified on promotions from before the window (the version a
    # rollback brings back), so every promotion's records count here.
    verified_at: dict[str, list[datetime]] = {}
    for s in seen:
        env_times = verified_at.setdefault(s.promotion.environment, [])
        env_times.extend(
            r.at for r in s.promotion.records if r.verdict == "verified" and r.at < until
        )
    for times in verified_at.values():
        times.sort()
    metrics: list[EnvironmentMetrics] = []
    for env in names:
        metrics.append(_environment(env, by_env.get(env, []), verified_at.get(env, []), days))
    wanted = set(names)
    events = tuple(
        Event(
            environment=s.promotion.environment,
            at=s.promotion.committed_at,
            kind=s.kind,
            promotion=s.promotion.sha,
            source_sha=s.promotion.source_sha,
        )
        for s in sorted(window, key=lambda s: s.promotion.committed_at)
        if s.promotion.environment in wanted
    )
    return Report(
        schema=SCHEMA,
        since=since,
        until=until,
        environments=tuple(metrics),
        events=events,
        bands_source=BANDS_SOURCE,
    )
