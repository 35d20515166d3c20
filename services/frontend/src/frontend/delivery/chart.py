"""The delivery chart as plain geometry: a ``Report`` in, what the inline SVG draws out (pure).

One row per environment, time across the window, one marker per promotion coloured *and
shaped* by how it ended (colour is never the only signal). The template only places what
this module computed, so every coordinate is testable without a browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from delivery.report import Event, Report
from frontend.status.shas import short_sha

WIDTH = 960
LEFT = 132  # the gutter for environment names
RIGHT = WIDTH - 28  # room for the last date label, centred on its tick
TOP = 8
ROW = 30
AXIS = 28  # below the rows: the date labels
LABEL_CHARS = 16  # longer environment names are shortened in the gutter (full name in <title>)
MAX_TICKS = 8
# Tick steps in days: the first that keeps the axis at MAX_TICKS labels or fewer.
STEPS = (1, 2, 7, 14, 30, 61, 91)
# How a promotion ended (``Event.kind``): each has its marker shape and colour.
OUTCOMES = ("verified", "failed", "reverted", "unverified")
# A failure and its restore are often hours apart: a pixel or two on a 30-day axis.
# Markers closer than GAP are moved to the first free lane above or below the row's line.
GAP = 13
LANES = (0.0, -8.0, 8.0)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    kind: str  # one of OUTCOMES ("unknown" for anything else, so a CSS class is always known)
    label: str  # the accessible name: environment, kind, time, short SHAs
    at: str  # "2026-12-01 15:04 UTC"
    promotion: str  # short SHA
    source: str  # short SHA


@dataclass(frozen=True)
class Row:
    environment: str
    label: str  # what the gutter shows
    y: float  # the row's centre line
    markers: tuple[Marker, ...]


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float  # the plot box: every marker's centre lies inside it
    rows: tuple[Row, ...]
    ticks: tuple[Tick, ...]
    title: str
    events: int  # markers drawn

    @property
    def empty(self) -> bool:
        return self.events == 0


def utc(value: datetime) -> datetime:
    """Aware UTC; a naive time is taken as UTC (git and the records are UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def day_label(value: datetime) -> str:
    # Not strftime's %b: that follows the C library's locale; the board is English.
    return f"{value.day:02d} {_MONTHS[value.month - 1]}"


def moment(value: datetime) -> str:
    return f"{utc(value):%Y-%m-%d %H:%M} UTC"


def x_of(at: datetime, since: datetime, until: datetime) -> float:
    """Where ``at`` falls across the plot, clamped to the box (a zero-length window: left)."""
    span = (utc(until) - utc(since)).total_seconds()
    if span <= 0:
        return float(LEFT)
    fraction = (utc(at) - utc(since)).total_seconds() / span
    return round(LEFT + min(max(fraction, 0.0), 1.0) * (RIGHT - LEFT), 1)


def ticks(since: datetime, until: datetime) -> tuple[Tick, ...]:
    """Midnight (UTC) ticks, every 1, 2, 7… days; a window too short for two: its two ends."""
    start, end = utc(since), utc(until)
    days = (end - start).total_seconds() / 86400
    step = next((s for s in STEPS if days / s <= MAX_TICKS), STEPS[-1])
    first = start.replace(hour=0, minute=0, second=0, microsecond=0)
    if first < start:
        first += _DAY
    found = []
    at = first
    while at <= end:
        found.append(Tick(x_of(at, start, end), day_label(at)))
        at += step * _DAY
    if len(found) >= 2:
        return tuple(found)
    return tuple(
        Tick(x_of(edge, start, end), f"{day_label(edge)} {edge:%H:%M}") for edge in (start, end)
    )


def marker(event: Event, y: float, since: datetime, until: datetime) -> Marker:
    kind = event.kind if event.kind in OUTCOMES else "unknown"
    at = moment(event.at)
    promotion, source = short_sha(event.promotion), short_sha(event.source_sha)
    label = f"{event.environment}: {kind} at {at}, source {source}, promotion {promotion}"
    return Marker(x_of(event.at, since, until), y, kind, label, at, promotion, source)


def dodge(xs: list[float]) -> list[float]:
    """Vertical offsets for markers at ``xs`` (ascending), so near neighbours stay visible."""
    last = [float("-inf")] * len(LANES)
    offsets = []
    for x in xs:
        lane = next((i for i, seen in enumerate(last) if x - seen >= GAP), 0)
        last[lane] = x
        offsets.append(LANES[lane])
    return offsets


def _gutter(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"


def chart(report: Report) -> Chart:
    """The report's events laid out: rows in the report's environment order, then any
    environment that only has events; markers oldest first; events outside the window
    are left out (the window is what the keys were computed over)."""
    since, until = utc(report.since), utc(report.until)
    names = list(dict.fromkeys(m.environment for m in report.environments))
    names += [n for n in dict.fromkeys(e.environment for e in report.events) if n not in names]
    inside = [e for e in report.events if since <= utc(e.at) <= until]
    rows = []
    for index, name in enumerate(names):
        y = TOP + ROW * index + ROW / 2
        own = sorted(
            (e for e in inside if e.environment == name), key=lambda e: (utc(e.at), e.promotion)
        )
        offsets = dodge([x_of(e.at, since, until) for e in own])
        markers = tuple(marker(e, y + dy, since, until) for e, dy in zip(own, offsets, strict=True))
        rows.append(Row(name, _gutter(name), y, markers))
    bottom = TOP + ROW * max(len(rows), 1)
    title = f"Promotions per environment, {moment(since)} to {moment(until)}"
    events = sum(len(r.markers) for r in rows)
    return Chart(
        WIDTH,
        bottom + AXIS,
        LEFT,
        RIGHT,
        TOP,
        bottom,
        tuple(rows),
        ticks(since, until),
        title,
        events,
    )
