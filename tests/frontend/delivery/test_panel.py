"""The delivery panel: formatting, refresh states, the page and fragment, and a real git history.

The real histories come from ``tests.frontend.support.delivery_history``.
"""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from delivery.report import Band, EnvironmentMetrics, Event, EventKind, Report
from frontend.delivery.panel import (
    GIT_MISSING,
    DeliveryPanel,
    Reader,
    Unavailable,
    describe,
    environment_view,
    frequency,
    percent,
    read_report,
)
from frontend.settings import Settings
from servicekit.settings_errors import describe_error
from tests.frontend.support.delivery_history import (
    NOTES_REF,
    Promotion,
    build_history,
    git_at,
    tree_state,
)

NOW = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)
EVIL = '<script>alert("x")</script>'

# --- hand-built reports ------------------------------------------------------------------


def metrics(environment: str, **changes: Any) -> EnvironmentMetrics:
    bands: dict[str, Band | None] = {
        "frequency": "elite",
        "lead_time": "high",
        "failure_rate": "medium",
        "restore": "low",
    }
    fields: dict[str, Any] = {
        "environment": environment,
        "deployments": 12,
        "per_day": 0.4,
        "lead_time_median_s": 5400.0,
        "lead_time_p90_s": 3 * 86400.0,
        "lead_time_unknown": 0,
        "change_failure_rate": 0.25,
        "failures": 3,
        "outcomes": 12,
        "restore_median_s": 1800.0,
        "open_failures": 1,
        "unverified": 2,
        "bands": bands,
    }
    return EnvironmentMetrics(**{**fields, **changes})


def sample_report(environments: tuple[str, ...] = ("dev", "prod")) -> Report:
    first, last = environments[0], environments[-1]
    happened: list[tuple[str, int, EventKind]] = [
        (first, 20, "verified"),
        (first, 10, "failed"),
        (last, 5, "reverted"),
        (last, 1, "unverified"),
    ]
    events = tuple(
        Event(env, NOW - timedelta(days=days), kind, f"{n:x}" * 40, "5" * 40)
        for n, (env, days, kind) in enumerate(happened, start=1)
    )
    window = (NOW - timedelta(days=30), NOW)
    envs = tuple(metrics(e) for e in environments)
    return Report("delivery-metrics/v1", *window, envs, events, "DORA 2024 (test)")


def fixed(report: Report) -> Reader:
    def read(_repo: Path, _since: datetime, _until: datetime) -> Report:
        return report

    return read


def failing(message: str) -> Reader:
    def read(_repo: Path, _since: datetime, _until: datetime) -> Report:
        raise RuntimeError(message)

    return read


def in_turn(readers: list[Reader]) -> Reader:
    """Each refresh asks the next reader."""

    def read(repo: Path, since: datetime, until: datetime) -> Report:
        return readers.pop(0)(repo, since, until)

    return read


# --- settings ------------------------------------------------------------------------------


def test_the_panel_is_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRONTEND_DELIVERY_REPO", "")  # empty counts as unset

    settings = Settings()

    assert settings.delivery_repo is None
    assert (settings.delivery_since_days, settings.delivery_refresh_seconds) == (30, 60)


def test_a_repo_path_need_not_exist_yet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FRONTEND_DELIVERY_REPO", str(tmp_path / "synced-later"))

    assert Settings().delivery_repo == tmp_path / "synced-later"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FRONTEND_DELIVERY_SINCE_DAYS", "0"),
        ("FRONTEND_DELIVERY_SINCE_DAYS", "366"),
        ("FRONTEND_DELIVERY_SINCE_DAYS", "a week"),
        ("FRONTEND_DELIVERY_REFRESH_SECONDS", "1"),
        ("FRONTEND_DELIVERY_REFRESH_SECONDS", "3601"),
    ],
)
def test_bad_delivery_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ValidationError) as caught:
        Settings()

    assert f"{variable}={value!r}" in describe_error(caught.value, Settings)


# --- formatting --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("per_day", "text"),
    [
        (0, "none"),
        (3.25, "3.2/day"),
        (1, "1.0/day"),
        (0.5, "3.5/week"),
        (1 / 7, "1.0/week"),
        (0.1, "3.0/month"),
    ],
)
def test_frequency_reads_per_day_week_or_month(per_day: float, text: str) -> None:
    assert frequency(per_day) == text


@pytest.mark.parametrize(
    ("rate", "text"), [(None, "n/a"), (0, "0 %"), (0.25, "25 %"), (1, "100 %")]
)
def test_percent(rate: float | None, text: str) -> None:
    assert percent(rate) == text


def test_environment_view_formats_the_four_keys_with_their_bands() -> None:
    view = environment_view(metrics("dev", lead_time_unknown=2, bands={"frequency": "elite"}))

    assert [(k.name, k.value, k.detail, k.band, k.badge) for k in view.keys] == [
        ("Deployment frequency", "2.8/week", "12 verified", "elite", "ok"),
        ("Lead time for changes", "1.5 h", "p90 3.0 d, 2 without source commit", None, "unknown"),
        ("Change failure rate", "25 %", "3 of 12", None, "unknown"),
        ("Time to restore", "30 min", "median", None, "unknown"),
    ]
    assert (view.open_failures, view.unverified, view.lead_time_unknown) == (1, 2, 2)


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        (FileNotFoundError(2, "No such file or directory", "git"), GIT_MISSING),
        (RuntimeError("note on abc:\n  unknown schema 'x'"), "note on abc: unknown schema 'x'"),
        (ValueError(), "ValueError"),
    ],
)
def test_describe_gives_one_line(exc: BaseException, text: str) -> None:
    assert describe(exc) == text


# --- refresh states ------------------------------------------------------------------------


def test_a_new_panel_is_loading_and_polls_quickly(tmp_path: Path) -> None:
    panel = DeliveryPanel(tmp_path, 30, 60, fixed(sample_report()))

    assert panel.state.loading
    assert (panel.state.report, panel.state.error) == (None, None)
    assert panel.poll_seconds == 2
    panel.refresh()
    assert panel.poll_seconds == 60


def test_refresh_reads_the_window_up_to_now(tmp_path: Path) -> None:
    seen: list[tuple[Path, datetime, datetime]] = []

    def read(repo: Path, since: datetime, until: datetime) -> Report:
        seen.append((repo, since, until))
        return sample_report()

    state = DeliveryPanel(tmp_path, 7, 60, read, now=lambda: NOW).refresh()

    assert seen == [(tmp_path, NOW - timedelta(days=7), NOW)]
    assert state.report == sample_report()
    assert (state.error, state.read_at, state.report_at) == (None, NOW, NOW)
    assert [v.environment for v in state.environments] == ["dev", "prod"]
    assert state.chart is not None
    assert state.chart.events == 4


def test_an_error_keeps_the_last_report_and_recovers(tmp_path: Path) -> None:
    readers = [
        fixed(sample_report()),
        failing("unknown note format"),
        fixed(sample_report(("qa",))),
    ]
    clock = iter([NOW, NOW + timedelta(minutes=1), NOW + timedelta(minutes=2)])
    panel = DeliveryPanel(tmp_path, 30, 60, in_turn(readers), now=lambda: next(clock))

    panel.refresh()
    broken = panel.refresh()
    assert broken.error == "unknown note format"
    assert broken.report == sample_report()  # still shown, with the message beside it
    assert (broken.read_at, broken.report_at) == (NOW + timedelta(minutes=1), NOW)
    fixed_again = panel.refresh()
    assert fixed_again.error is None
    assert [v.environment for v in fixed_again.environments] == ["qa"]


def test_an_error_before_any_report_is_the_whole_panel(tmp_path: Path) -> None:
    state = DeliveryPanel(tmp_path, 30, 60, failing("not a git repository")).refresh()

    assert (state.report, state.chart, state.error) == (None, None, "not a git repository")
    assert not state.loading


def test_errors_are_logged_once_per_change(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    readers = [failing("broken A")] * 3 + [failing("broken B"), fixed(sample_report())] * 2
    panel = DeliveryPanel(tmp_path, 30, 60, in_turn(readers))

    with caplog.at_level(logging.INFO, logger="frontend.delivery"):
        for _ in range(7):
            panel.refresh()

    assert [r.getMessage() for r in caplog.records] == [
        "delivery history unreadable: broken A",
        "delivery history unreadable: broken B",
        "delivery history read",
        "delivery history unreadable: broken B",
        "delivery history read",
    ]
    assert panel.reads == 7


def test_the_real_reader_says_git_not_found_without_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no git on PATH

    with pytest.raises(Unavailable, match=r"^git not found"):
        read_report(tmp_path, NOW - timedelta(days=1), NOW)


def test_the_real_reader_names_a_missing_checkout(tmp_path: Path) -> None:
    with pytest.raises(Unavailable, match="is not a directory"):
        read_report(tmp_path / "absent", NOW - timedelta(days=1), NOW)


# --- the page and the fragment -------------------------------------------------------------


@pytest.fixture
def start(make_client: Any) -> Any:
    """An app (lifespan entered, so the refresher runs) with an optional fake reader."""

    def factory(read: Reader | None = None, **overrides: Any) -> TestClient:
        client: TestClient = make_client(read_delivery=read, **overrides)
        return client

    return factory


def loaded(client: TestClient, timeout: float = 10) -> str:
    """The fragment, once the first refresh has finished."""
    deadline = time.monotonic() + timeout
    while True:
        html = client.get("/fragments/delivery").text
        if "Reading the deployment history" not in html or time.monotonic() > deadline:
            return html
        time.sleep(0.02)


def test_without_a_repo_the_panel_is_hidden(start: Any) -> None:
    client = start()

    assert 'id="delivery"' not in client.get("/").text
    assert client.get("/fragments/delivery").status_code == 404
    assert client.app.state.runtime.delivery is None


def test_the_page_shows_the_four_keys_and_the_chart(start: Any, tmp_path: Path) -> None:
    client = start(fixed(sample_report()), delivery_repo=tmp_path, delivery_refresh_seconds=30)

    fragment = loaded(client)
    page = client.get("/").text

    assert '<section class="panel delivery" id="delivery"' in page
    assert 'hx-get="/fragments/delivery" hx-trigger="every 30s" hx-swap="outerHTML"' in fragment
    shown = ["Deployment frequency", "2.8/week", "1.5 h", "p90 3.0 d", "25 %", "3 of 12", "30 min"]
    shown += ['badge-ok">elite', 'badge-bad">low', "DORA 2024 (test)", "<svg"]
    assert [text for text in shown if text not in fragment] == []
    assert fragment.count('class="marker marker-') == 4 + 4  # the markers, then the legend's
    assert 'aria-label="prod: reverted at 2026-12-26 12:00 UTC, source 555555555555' in fragment
    assert fragment in page  # the page embeds the same fragment


def test_panel_markup_has_no_inline_style_and_escapes_names(start: Any, tmp_path: Path) -> None:
    client = start(fixed(sample_report((EVIL, "prod"))), delivery_repo=tmp_path)

    loaded(client)
    for html in (client.get("/fragments/delivery").text, client.get("/").text):
        assert " style=" not in html
        assert "<style" not in html
        assert not re.search(r"\son[a-z]+=", html)
        assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html  # table, chart, labels


@pytest.mark.parametrize(
    ("repo", "path", "message"),
    [
        ("absent", "", "is not a directory"),
        ("plain", "", None),
        ("plain", "/empty-bin", "git not found"),
    ],
)
def test_an_unreadable_repo_is_a_message_not_a_500(
    start: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    repo: str,
    path: str,
    message: str | None,
) -> None:
    (tmp_path / "plain").mkdir()  # a directory, but no git repository
    if path:
        (tmp_path / path.strip("/")).mkdir()
        monkeypatch.setenv("PATH", str(tmp_path / path.strip("/")))
    client = start(delivery_repo=tmp_path / repo)

    fragment = loaded(client)
    page = client.get("/")

    assert page.status_code == 200
    assert "Cannot read the deployment history" in fragment
    assert message is None or message in fragment
    assert "No cluster configured" in page.text  # the rest of the board is there


# --- through the real delivery modules -------------------------------------------------------


def test_a_real_history_is_read_through_delivery_history_and_dora(tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    repo = tmp_path / "config"
    build_history(
        repo, [Promotion("dev", 3), Promotion("dev", 2, ("failed",)), Promotion("dev", 1)], now
    )
    before = tree_state(repo)

    state = DeliveryPanel(repo, 30, 60).refresh()

    assert state.error is None, state.error
    assert state.report is not None
    [dev] = state.report.environments
    assert (dev.environment, dev.deployments, dev.failures, dev.outcomes) == ("dev", 2, 1, 3)
    assert [e.kind for e in state.report.events] == ["verified", "failed", "verified"]
    assert state.chart is not None
    assert state.chart.events == 3
    assert tree_state(repo) == before  # read-only: nothing in the checkout changed


def test_a_directory_that_is_no_repository_says_so(start: Any, tmp_path: Path) -> None:

    fragment = loaded(start(delivery_repo=tmp_path))

    assert "not a git repository" in fragment


def test_a_note_in_an_unknown_format_is_the_panels_message(start: Any, tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    repo = tmp_path / "config"
    made = build_history(repo, [Promotion("dev", 2), Promotion("dev", 1, ())], now)
    future = json.dumps({"schema": "deployment-record/v9", "environment": "dev"})
    git_at(repo, now, "notes", "--ref", NOTES_REF, "add", "-m", future, made[1])
    client = start(delivery_repo=repo)

    fragment = loaded(client)

    assert "Cannot read the deployment history" in fragment
    assert f"note on {made[1][:12]}" in fragment
    assert "deployment-record/v9" in fragment
    assert client.get("/").status_code == 200
