"""kubectl's human durations (AGE, LAST SEEN, RESTARTS "(x ago)"), and the delivery panel's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from frontend.status.durations import human_duration, since, spoken_duration
from tools.platformkit.objects import NOW, at


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        pytest.param(timedelta(seconds=-5), "<invalid>", id="future-beyond-skew-is-invalid"),
        pytest.param(timedelta(seconds=-1.5), "0s", id="skew-within-two-seconds-is-now"),
        pytest.param(timedelta(0), "0s", id="zero"),
        pytest.param(timedelta(seconds=5), "5s", id="seconds"),
        pytest.param(timedelta(seconds=119), "119s", id="seconds-up-to-two-minutes"),
        pytest.param(timedelta(seconds=120), "2m", id="whole-minutes"),
        pytest.param(timedelta(minutes=3, seconds=2), "3m2s", id="minutes-and-seconds-under-10m"),
        pytest.param(timedelta(minutes=10, seconds=30), "10m", id="minutes-only-from-10m"),
        pytest.param(timedelta(minutes=179), "179m", id="minutes-up-to-three-hours"),
        pytest.param(timedelta(hours=3), "3h", id="whole-hours"),
        pytest.param(timedelta(hours=3, minutes=25), "3h25m", id="hours-and-minutes-under-8h"),
        pytest.param(timedelta(hours=8, minutes=59), "8h", id="hours-only-from-8h"),
        pytest.param(timedelta(hours=47), "47h", id="hours-up-to-two-days"),
        pytest.param(timedelta(days=2, hours=3), "2d3h", id="days-and-hours-under-8d"),
        pytest.param(timedelta(days=3), "3d", id="whole-days"),
        pytest.param(timedelta(days=9, hours=5), "9d", id="days-only-from-8d"),
        pytest.param(timedelta(days=729), "729d", id="days-up-to-two-years"),
        pytest.param(timedelta(days=365 * 3 + 10), "3y10d", id="years-and-days-under-8y"),
        pytest.param(timedelta(days=365 * 3), "3y", id="whole-years"),
        pytest.param(timedelta(days=365 * 9 + 10), "9y", id="years-only-from-8y"),
    ],
)
def test_human_duration_matches_apimachinery(delta: timedelta, expected: str) -> None:
    assert human_duration(delta) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(at(62), "62s", id="api-timestamp"),
        pytest.param(None, "<unknown>", id="unset-is-unknown"),
        pytest.param("", "<unknown>", id="empty-is-unknown"),
        pytest.param("yesterday", "<unknown>", id="unparsable-is-unknown"),
    ],
)
def test_since_formats_api_timestamps(value: str | None, expected: str) -> None:
    assert since(value, NOW) == expected


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "n/a"),
        (0, "0 s"),
        (59, "59 s"),
        (60, "1 min"),
        (3599, "60 min"),
        (3600, "1.0 h"),
        (5400, "1.5 h"),
        (2 * 86400 - 1, "48.0 h"),
        (2 * 86400, "2.0 d"),
        (10.5 * 86400, "10.5 d"),
    ],
)
def test_spoken_duration_picks_the_unit_a_person_would(seconds: float | None, text: str) -> None:
    assert spoken_duration(seconds) == text
