"""The delivery panel: DORA's four keys per environment, re-read from git on a timer.

The config repository's history is the deployment log (docs/specs/delivery-records.md);
``delivery.history`` reads it and ``delivery.dora`` computes the report. Reading runs in a
worker thread, never on the event loop, and only reads: the panel never writes to the
repository. Whatever goes wrong (no git, no checkout yet, a note in an unknown format)
becomes the panel's message; the board keeps working and the last good report stays.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from delivery.dora import compute
from delivery.history import read_history
from delivery.report import EnvironmentMetrics, Event, Report
from frontend.delivery.chart import Chart, chart
from frontend.status.durations import spoken_duration

log = logging.getLogger(__name__)

# (repository, since, until) -> the report; injectable so tests need no git history.
Reader = Callable[[Path, datetime, datetime], Report]

GIT_MISSING = "git not found: the delivery panel needs git and a checkout of the config repository"
# While nothing has been read yet, pages poll quickly so the first report shows up soon.
LOADING_POLL_SECONDS = 2
BAND_BADGE = {"elite": "ok", "high": "progress", "medium": "warn", "low": "bad"}


class Unavailable(RuntimeError):
    """The history cannot be read at all (no git, no checkout): the message says why."""


def read_report(
    repo: Path, since: datetime, until: datetime, source_repo: Path | None = None
) -> Report:
    """The real reader: ``delivery.history`` reads the promotions, ``delivery.dora`` computes.
    SOURCE_REPO holds the source commits (lead time) when they are not in REPO."""
    if shutil.which("git") is None:
        raise Unavailable(GIT_MISSING)
    if not repo.is_dir():
        raise Unavailable(f"{repo} is not a directory (no checkout of the config repository yet)")
    return compute(read_history(repo, source_repo), since=since, until=until)


def describe(exc: BaseException) -> str:
    """One line for the panel: the reader's own message where it has one."""
    if isinstance(exc, FileNotFoundError) and exc.filename == "git":
        return GIT_MISSING  # git vanished between the check and the call
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


@dataclass(frozen=True)
class Key:
    """One of the four keys in one environment, formatted for the table."""

    name: str
    value: str
    detail: str
    band: str | None

    @property
    def badge(self) -> str:
        return BAND_BADGE.get(self.band or "", "unknown")


@dataclass(frozen=True)
class EnvironmentView:
    environment: str
    keys: tuple[Key, ...]
    open_failures: int
    unverified: int
    lead_time_unknown: int


def frequency(per_day: float) -> str:
    """Per day, or per week or month when that reads better than 0.0x per day."""
    if per_day <= 0:
        return "none"
    if per_day >= 1:
        return f"{per_day:.1f}/day"
    if per_day * 7 >= 1:
        return f"{per_day * 7:.1f}/week"
    return f"{per_day * 30:.1f}/month"


def percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.0f} %"


def environment_view(m: EnvironmentMetrics) -> EnvironmentView:
    unknown = f", {m.lead_time_unknown} without source commit" if m.lead_time_unknown else ""
    keys = (
        Key("Deployment frequency", frequency(m.per_day),
            f"{m.deployments} verified", m.bands.get("frequency")),
        Key("Lead time for changes", spoken_duration(m.lead_time_median_s),
            f"p90 {spoken_duration(m.lead_time_p90_s)}{unknown}", m.bands.get("lead_time")),
        Key("Change failure rate", percent(m.change_failure_rate),
            f"{m.failures} of {m.outcomes}", m.bands.get("failure_rate")),
        Key("Time to restore", spoken_duration(m.restore_median_s), "median",
            m.bands.get("restore")),
    )  # fmt: skip
    return EnvironmentView(m.environment, keys, m.open_failures, m.unverified, m.lead_time_unknown)


@dataclass(frozen=True)
class PanelState:
    """What the panel shows: the last good report (and its view) and the last error."""

    repo: Path
    report: Report | None = None
    error: str | None = None
    read_at: datetime | None = None  # the last attempt
    report_at: datetime | None = None  # when ``report`` was read
    environments: tuple[EnvironmentView, ...] = field(default=())
    chart: Chart | None = None

    @property
    def loading(self) -> bool:
        return self.read_at is None


def _now() -> datetime:
    return datetime.now(UTC)


class DeliveryPanel:
    """Owns the refresh task and the panel's latest state."""

    def __init__(
        self,
        repo: Path,
        since_days: int,
        refresh_seconds: float,
        read: Reader = read_report,
        now: Callable[[], datetime] = _now,
    ) -> None:
        self.repo = repo
        self.since_days = since_days
        self.refresh_seconds = refresh_seconds
        self._read = read
        self._now = now
        self.state = PanelState(repo)
        self._outcomes: tuple[Report | None, dict[str, Event]] = (None, {})
        self.reads = 0
        self._logged: str | None = None

    def outcomes(self) -> dict[str, Event] | None:
        """The newest delivery record per environment (the environments view's
        "verified"), or None before a report is read. The same dict until the next
        report, so the view is rebuilt only when the records change."""
        report = self.state.report
        if report is None:
            return None
        if self._outcomes[0] is not report:
            # Events come oldest first: the last one per environment wins.
            self._outcomes = (report, {event.environment: event for event in report.events})
        return self._outcomes[1]

    @property
    def poll_seconds(self) -> int:
        """How often open pages ask for the panel again."""
        return LOADING_POLL_SECONDS if self.state.loading else max(1, round(self.refresh_seconds))

    def refresh(self) -> PanelState:
        """Read the history once (blocking: call it in a worker thread) and keep the result."""
        now = self._now()
        self.reads += 1
        try:
            report = self._read(self.repo, now - timedelta(days=self.since_days), now)
            views = tuple(environment_view(m) for m in report.environments)
            drawn = chart(report)
        # Any failure, a bug in the reader included, is the panel's message: it must
        # never end the refresh task or reach a page as a 500.
        except Exception as exc:
            self.state = replace(self.state, error=describe(exc), read_at=now)
            self._log_change(exc)
        else:
            self.state = PanelState(self.repo, report, None, now, now, views, drawn)
            self._log_change(None)
        return self.state

    def _log_change(self, exc: Exception | None) -> None:
        """Log when the message changes, not on every refresh (a broken repo stays broken)."""
        message = self.state.error
        if message == self._logged:
            return
        if exc is not None:
            # A traceback only where the message may not say enough (not for "no git").
            trace = None if isinstance(exc, Unavailable | OSError) else exc
            extra = {"repo": str(self.repo), "error": message}
            log.warning("delivery history unreadable: %s", message, extra=extra, exc_info=trace)
        else:
            log.info("delivery history read", extra={"repo": str(self.repo)})
        self._logged = message

    async def run(self) -> None:
        """Refresh until cancelled."""
        while True:
            await asyncio.to_thread(self.refresh)
            await asyncio.sleep(self.refresh_seconds)
