"""The four keys and their bands, computed from promotions built by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from delivery import dora
from delivery.dora import DAY, HOUR, MONTH, WEEK, compute
from delivery.history import Promotion
from delivery.records import Record, Verdict
from delivery.report import EnvironmentMetrics, Report

T0 = datetime(2026, 1, 5, tzinfo=UTC)
SINCE, UNTIL = T0, T0 + timedelta(days=10)


def at(days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours, minutes=minutes)


def promotion(
    name: str,
    committed: datetime,
    *records: tuple[Verdict, datetime],
    env: str = "dev",
    source_at: datetime | None = None,
    reverted_at: datetime | None = None,
) -> Promotion:
    return Promotion(
        sha=name * 40,
        environment=env,
        committed_at=committed,
        source_sha="c" * 40,
        source_committed_at=source_at,
        records=tuple(Record(env, v, when, "c" * 40, None, None) for v, when in records),
        reverted_by=("r" * 40) if reverted_at else None,
        reverted_at=reverted_at,
    )


# dev over ten days: 5 promotions, 3 verified, 1 failed (and reverted), 1 unverified.
DEV = [
    promotion("1", at(hours=1), ("verified", at(hours=1, minutes=10)), source_at=at()),
    promotion(
        "2",
        at(1),
        ("failed", at(1, minutes=15)),
        source_at=at(1, hours=-2),
        reverted_at=at(1, minutes=20),
    ),
    promotion("3", at(2), ("verified", at(2, minutes=30)), source_at=at(2, minutes=-30)),
    promotion("4", at(3)),
    promotion("5", at(4), ("verified", at(4, minutes=5))),  # source commit not found
]
# The rollback brings promotion 1 back; verify records that on promotion 1 itself.
RESTORED_1 = promotion(
    "1",
    at(hours=1),
    ("verified", at(hours=1, minutes=10)),
    ("verified", at(1, minutes=30)),
    source_at=at(),
)


def only(report: Report) -> EnvironmentMetrics:
    [metrics] = report.environments
    return metrics


def test_the_four_keys_with_exact_numbers() -> None:
    report = compute([RESTORED_1, *DEV[1:]], SINCE, UNTIL)
    assert report.schema == "delivery-metrics/v1"
    assert report.bands_source == dora.BANDS_SOURCE
    assert only(report) == EnvironmentMetrics(
        environment="dev",
        deployments=3,
        per_day=0.3,
        lead_time_median_s=3900.0,  # 1 h 10 min and 1 h
        lead_time_p90_s=4200.0,
        lead_time_unknown=1,
        change_failure_rate=0.25,  # 1 of 4 with an outcome
        failures=1,
        outcomes=4,
        restore_median_s=900.0,  # failed at +15 min, verified again at +30 min
        open_failures=0,
        unverified=1,
        bands={
            "frequency": "high",
            "lead_time": "elite",
            "failure_rate": "medium",
            "restore": "elite",
        },
    )
    assert [(e.promotion[0], e.kind, e.at) for e in report.events] == [
        ("1", "verified", at(hours=1)),
        ("2", "failed", at(1)),
        ("3", "verified", at(2)),
        ("4", "unverified", at(3)),
        ("5", "verified", at(4)),
    ]


def test_a_failure_without_a_later_verification_is_open() -> None:
    metrics = only(compute(DEV[:2], SINCE, UNTIL))
    assert (metrics.failures, metrics.open_failures, metrics.restore_median_s) == (1, 1, None)
    assert metrics.bands["restore"] is None
    # Without the rollback's record, the next promotion's verification restores it.
    assert (
        only(compute(DEV, SINCE, UNTIL)).restore_median_s
        == (at(2, minutes=30) - at(1, minutes=15)).total_seconds()
    )


def test_a_revert_without_a_failed_record_counts_from_the_commit_to_after_the_revert() -> None:
    history = [
        promotion("1", at(), ("verified", at(minutes=5))),
        # Verified, then found broken and rolled back by hand two hours later.
        promotion("2", at(1), ("verified", at(1, minutes=5)), reverted_at=at(1, hours=2)),
        promotion("3", at(2), ("verified", at(2, minutes=5))),
    ]
    metrics = only(compute(history, SINCE, UNTIL))
    # Not its own verification (before the revert): the next one, promotion 3's.
    assert metrics.restore_median_s == (at(2, minutes=5) - at(1)).total_seconds()
    assert (metrics.deployments, metrics.failures, metrics.outcomes) == (3, 1, 3)
    kinds = [e.kind for e in compute(history, SINCE, UNTIL).events]
    assert kinds == ["verified", "reverted", "verified"]


def test_a_failed_then_reverted_promotion_is_a_failed_event() -> None:
    report = compute(DEV[:2], SINCE, UNTIL)
    assert [e.kind for e in report.events] == ["verified", "failed"]


def test_a_retried_verification_restores_its_own_failure() -> None:
    retried = promotion("1", at(), ("failed", at(minutes=10)), ("verified", at(minutes=25)))
    metrics = only(compute([retried], SINCE, UNTIL))
    assert (metrics.deployments, metrics.failures, metrics.restore_median_s) == (1, 1, 900.0)


def test_out_of_order_records_restore_by_their_time() -> None:
    # Promotion 1 failed at +5 min; promotion 2, committed later, was verified at +15 min,
    # its record pushed before promotion 1's failure record.
    history = [
        promotion("1", at(), ("failed", at(minutes=5))),
        promotion("2", at(minutes=10), ("verified", at(minutes=15))),
    ]
    assert only(compute(history, SINCE, UNTIL)).restore_median_s == 600.0


def test_the_restore_may_land_on_a_promotion_before_the_window() -> None:
    before = promotion("0", at(-3), ("verified", at(-3)), ("verified", at(1, hours=3)))
    failed = promotion("1", at(1), ("failed", at(1, hours=1)), reverted_at=at(1, hours=2))
    metrics = only(compute([before, failed], SINCE, UNTIL))
    assert (metrics.deployments, metrics.restore_median_s) == (0, 2 * HOUR)
    assert metrics.bands == {
        "frequency": "low",
        "lead_time": None,
        "failure_rate": "low",
        "restore": "high",
    }


def test_nothing_at_or_after_until_is_seen() -> None:
    late = promotion(
        "1", at(9), ("failed", UNTIL), ("verified", UNTIL + timedelta(hours=1)), reverted_at=UNTIL
    )
    after = promotion("2", UNTIL, ("verified", UNTIL))
    report = compute([late, after], SINCE, UNTIL)
    assert only(report).unverified == 1
    assert [(e.promotion[0], e.kind) for e in report.events] == [("1", "unverified")]


def test_a_record_before_the_source_commit_is_a_lead_time_of_zero() -> None:
    skewed = promotion("1", at(1), ("verified", at(1)), source_at=at(1, minutes=2))
    assert only(compute([skewed], SINCE, UNTIL)).lead_time_median_s == 0.0


def test_lead_time_percentiles_are_nearest_rank() -> None:
    history = [
        promotion(str(n), at(n), ("verified", at(n, hours=n + 1)), source_at=at(n))
        for n in range(9)
    ]
    metrics = only(compute(history, SINCE, UNTIL))
    assert (metrics.lead_time_median_s, metrics.lead_time_p90_s) == (5 * HOUR, 9 * HOUR)
    assert dora.p90([1.0] * 9 + [10.0]) == 1.0  # 9 of 10 at or below 1
    assert dora.p90([1.0] * 8 + [10.0] * 2) == 10.0


def test_two_environments_and_a_chosen_order() -> None:
    history = [*DEV, promotion("9", at(5), ("verified", at(5, hours=2)), env="prod")]
    report = compute(history, SINCE, UNTIL)
    assert [m.environment for m in report.environments] == ["dev", "prod"]
    prod = report.environments[1]
    assert (prod.deployments, prod.per_day, prod.unverified) == (1, 0.1, 0)
    chosen = compute(history, SINCE, UNTIL, ["staging", "prod", "prod"])
    assert [m.environment for m in chosen.environments] == ["staging", "prod"]
    assert chosen.environments[0].deployments == 0
    assert [e.environment for e in chosen.events] == ["prod"]


def test_a_window_with_no_deployment() -> None:
    report = compute(DEV, at(20), at(30))
    assert (report.environments, report.events) == ((), ())


def test_an_empty_window_is_an_error() -> None:
    with pytest.raises(ValueError, match="the window is empty"):
        compute(DEV, UNTIL, SINCE)


@pytest.mark.parametrize(
    ("per_day", "band"),
    [
        (3.0, "elite"),
        (1.01, "elite"),
        (1.0, "high"),
        (1 / 7, "high"),
        (0.14, "medium"),
        (1 / 30, "medium"),
        (0.033, "low"),
        (0.0, "low"),
    ],
)
def test_frequency_bands(per_day: float, band: str) -> None:
    assert dora.frequency_band(per_day) == band


@pytest.mark.parametrize(
    ("seconds", "band"),
    [
        (None, None),
        (0.0, "elite"),
        (DAY - 1, "elite"),
        (DAY, "high"),
        (WEEK - 1, "high"),
        (WEEK, "medium"),
        (MONTH - 1, "medium"),
        (MONTH, "low"),
        (200 * DAY, "low"),
    ],
)
def test_lead_time_bands(seconds: float | None, band: str | None) -> None:
    assert dora.lead_time_band(seconds) == band


@pytest.mark.parametrize(
    ("rate", "band"),
    [
        (None, None),
        (0.0, "elite"),
        (1 / 20, "elite"),
        (0.0501, "high"),
        (0.10, "high"),
        (1 / 5, "high"),
        (0.2001, "medium"),
        (0.3999, "medium"),
        (2 / 5, "low"),
        (1.0, "low"),
    ],
)
def test_failure_rate_bands(rate: float | None, band: str | None) -> None:
    assert dora.failure_rate_band(rate) == band


@pytest.mark.parametrize(
    ("seconds", "band"),
    [
        (None, None),
        (HOUR - 1, "elite"),
        (HOUR, "high"),
        (DAY - 1, "high"),
        (DAY, "medium"),
        (WEEK - 1, "medium"),
        (WEEK, "low"),
        (MONTH * 2, "low"),
    ],
)
def test_restore_bands(seconds: float | None, band: str | None) -> None:
    assert dora.restore_band(seconds) == band
