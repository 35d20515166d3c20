"""The delivery chart's geometry, from hand-built reports (no git, no browser)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest

from delivery.report import EnvironmentMetrics, Event, EventKind, Report
from frontend.delivery.chart import (
    AXIS,
    GAP,
    LEFT,
    MAX_TICKS,
    RIGHT,
    ROW,
    TOP,
    chart,
    day_label,
    dodge,
    ticks,
    utc,
    x_of,
)

UNTIL = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)
SINCE = UNTIL - timedelta(days=30)
PLUS_2 = timezone(timedelta(hours=2))


def metrics(environment: str) -> EnvironmentMetrics:
    return EnvironmentMetrics(
        environment=environment,
        deployments=0,
        per_day=0.0,
        lead_time_median_s=None,
        lead_time_p90_s=None,
        lead_time_unknown=0,
        change_failure_rate=None,
        failures=0,
        outcomes=0,
        restore_median_s=None,
        open_failures=0,
        unverified=0,
        bands={"frequency": None, "lead_time": None, "failure_rate": None, "restore": None},
    )


def event(environment: str, days_ago: float, kind: EventKind = "verified", n: int = 1) -> Event:
    return Event(environment, UNTIL - timedelta(days=days_ago), kind, f"{n:x}" * 40, "5" * 40)


def report(events: list[Event], environments: tuple[str, ...] = ("dev", "prod")) -> Report:
    return Report(
        schema="delivery-metrics/v1",
        since=SINCE,
        until=UNTIL,
        environments=tuple(metrics(e) for e in environments),
        events=tuple(events),
        bands_source="DORA 2024",
    )


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (SINCE, LEFT),
        (UNTIL, RIGHT),
        (SINCE + (UNTIL - SINCE) / 2, (LEFT + RIGHT) / 2),
        (SINCE - timedelta(days=3), LEFT),  # clamped into the box
        (UNTIL + timedelta(days=3), RIGHT),
        (UNTIL.replace(tzinfo=None), RIGHT),  # naive is UTC
        (UNTIL.astimezone(PLUS_2), RIGHT),  # the same instant elsewhere
    ],
)
def test_x_of_maps_the_window_onto_the_plot(at: datetime, expected: float) -> None:
    assert x_of(at, SINCE, UNTIL) == pytest.approx(expected, abs=0.1)


def test_x_of_a_zero_length_window_is_the_left_edge() -> None:
    assert x_of(UNTIL, UNTIL, UNTIL) == LEFT


@pytest.mark.parametrize(
    ("days", "step", "first"),
    [
        (7, 1, "25 Dec"),
        (14, 2, "18 Dec"),
        (30, 7, "02 Dec"),
        (90, 14, "03 Oct"),
        (365, 61, "01 Jan"),
    ],
)
def test_ticks_are_midnights_at_a_readable_step(days: int, step: int, first: str) -> None:
    since = UNTIL - timedelta(days=days)

    found = ticks(since, UNTIL)

    assert 2 <= len(found) <= MAX_TICKS
    assert found[0].label == first
    xs = [t.x for t in found]
    assert xs == sorted(xs)
    assert all(LEFT <= x <= RIGHT for x in xs)
    gap = (RIGHT - LEFT) * step / days
    assert all(b - a == pytest.approx(gap, abs=0.2) for a, b in itertools.pairwise(xs))


def test_a_window_too_short_for_two_midnights_labels_its_ends() -> None:
    found = ticks(UNTIL - timedelta(days=1), UNTIL)

    assert [(t.x, t.label) for t in found] == [(LEFT, "30 Dec 12:00"), (RIGHT, "31 Dec 12:00")]


@pytest.mark.parametrize(
    ("value", "label"),
    [(datetime(2026, 1, 5, tzinfo=UTC), "05 Jan"), (datetime(2026, 12, 25), "25 Dec")],
)
def test_day_labels_do_not_depend_on_the_locale(value: datetime, label: str) -> None:
    assert day_label(value) == label


def test_every_marker_lies_inside_the_plot_box() -> None:
    happened: list[tuple[str, float, EventKind]] = [
        ("dev", 0, "verified"),
        ("dev", 30, "failed"),
        ("prod", 15, "reverted"),
        ("prod", 0.01, "unverified"),
        ("qa", 29.99, "verified"),
    ]
    events = [event(env, days, kind, n) for n, (env, days, kind) in enumerate(happened, start=1)]

    drawn = chart(report(events))

    assert drawn.events == 5
    for row in drawn.rows:
        for m in row.markers:
            assert drawn.left <= m.x <= drawn.right
            assert drawn.top <= m.y <= drawn.bottom
            assert abs(m.y - row.y) < ROW / 2  # within its own row
    assert drawn.height == drawn.bottom + AXIS
    assert drawn.bottom == TOP + ROW * 3


def test_rows_follow_the_report_then_event_only_environments() -> None:
    events = [event("qa", 3), event("prod", 2), event("zz", 1), event("qa", 1)]

    drawn = chart(report(events, environments=("dev", "prod")))

    assert [r.environment for r in drawn.rows] == ["dev", "prod", "qa", "zz"]
    assert [r.y for r in drawn.rows] == [TOP + ROW * i + ROW / 2 for i in range(4)]


def test_markers_are_oldest_first_within_a_row() -> None:
    events = [event("dev", 1, n=1), event("dev", 20, n=2), event("dev", 7, n=3)]

    row = chart(report(events)).rows[0]

    assert [m.promotion for m in row.markers] == ["2" * 12, "3" * 12, "1" * 12]
    assert [m.x for m in row.markers] == sorted(m.x for m in row.markers)


def test_events_outside_the_window_are_left_out() -> None:
    events = [event("dev", 31), event("dev", -1), event("dev", 5)]

    drawn = chart(report(events))

    assert drawn.events == 1
    assert len(drawn.rows[0].markers) == 1


@pytest.mark.parametrize(
    ("environments", "rows", "bottom"),
    [(("dev", "prod"), 2, TOP + 2 * ROW), ((), 0, TOP + ROW)],
)
def test_an_empty_window_still_has_its_rows_and_axis(
    environments: tuple[str, ...], rows: int, bottom: float
) -> None:
    drawn = chart(report([], environments))

    assert drawn.empty
    assert len(drawn.rows) == rows
    assert drawn.bottom == bottom
    assert len(drawn.ticks) >= 2


def test_marker_labels_name_environment_kind_time_and_short_shas() -> None:
    drawn = chart(report([event("prod", 1.5, "failed", n=10)]))

    m = drawn.rows[1].markers[0]
    assert m.kind == "failed"
    assert m.at == "2026-12-30 00:00 UTC"
    assert m.label == (
        "prod: failed at 2026-12-30 00:00 UTC, source 555555555555, promotion aaaaaaaaaaaa"
    )


def test_an_unknown_kind_gets_a_known_class_and_long_names_are_shortened() -> None:
    odd = Event("a-very-long-environment-name", UNTIL, "exploded", "", "")  # type: ignore[arg-type]

    row = chart(report([odd], environments=())).rows[0]

    assert row.markers[0].kind == "unknown"
    assert row.markers[0].promotion == "unknown"
    assert row.label == "a-very-long-env…"
    assert len(row.label) == 16
    assert row.environment == "a-very-long-environment-name"


def test_utc_keeps_the_instant() -> None:
    local = datetime(2026, 1, 1, 2, 0, tzinfo=PLUS_2)

    assert utc(local) == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    assert utc(local).tzinfo is UTC


@pytest.mark.parametrize(
    ("xs", "offsets"),
    [
        ([], []),
        ([200.0, 300.0, 400.0], [0.0, 0.0, 0.0]),  # far apart: all on the line
        ([200.0, 201.0], [0.0, -8.0]),  # a failure and its restore, an hour apart
        ([200.0, 201.0, 202.0], [0.0, -8.0, 8.0]),
        ([200.0, 201.0, 202.0, 203.0], [0.0, -8.0, 8.0, 0.0]),  # no lane free: the line
        ([200.0, 201.0, 200.0 + GAP], [0.0, -8.0, 0.0]),  # the line is free again
    ],
)
def test_dodge_moves_near_neighbours_off_the_line(xs: list[float], offsets: list[float]) -> None:
    assert dodge(xs) == offsets


def test_close_markers_in_a_row_get_different_heights() -> None:
    events = [event("dev", 10, "failed", 1), event("dev", 9.95, "verified", 2)]

    row = chart(report(events)).rows[0]

    assert [m.y for m in row.markers] == [row.y, row.y - 8]
