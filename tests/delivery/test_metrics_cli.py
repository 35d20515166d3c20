"""delivery-metrics on real temporary git histories, through its command line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from delivery.git import run as git
from delivery.metrics_render import duration
from tests.delivery.gitrepo import promote, run_cli
from tests.delivery.test_history import Timeline, at

UNTIL = "2026-01-12T00:00:00Z"  # seven days after test_history.T0
WINDOW = ("--since", "7d", "--until", UNTIL)


def metrics(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("delivery.metrics_cli", repo, *args)


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Timeline:
    """dev: 4 verified or failed promotions and 1 unverified; staging: 1 verified."""
    timeline = Timeline(tmp_path_factory.mktemp("week"))
    s1, s2, s3 = timeline.source(at(0)), timeline.source(at(20)), timeline.source(at(47))
    p1 = timeline.promote("dev", s1, at(1))
    timeline.record(p1, "verified", at(1, 10))  # lead 1 h 10 min
    p2 = timeline.promote("dev", s2, at(24))
    timeline.record(p2, "failed", at(24, 15))
    timeline.revert(p2, at(24, 20))
    timeline.record(p1, "verified", at(24, 30))  # restored 15 min after the failure
    p3 = timeline.promote("dev", s3, at(48))
    timeline.record(p3, "verified", at(48, 30))  # lead 1 h 30 min
    p5 = timeline.promote("staging", s3, at(50))
    timeline.record(p5, "verified", at(50, 5))  # lead 3 h 5 min
    timeline.promote("dev", s3, at(72))  # never verified
    p6 = timeline.promote("dev", s3, at(96))
    timeline.record(p6, "verified", at(97))  # lead 50 h
    return timeline


def test_json_has_the_exact_figures(week: Timeline) -> None:
    result = metrics(week.path, *WINDOW, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["schema"], report["since"], report["until"]) == (
        "delivery-metrics/v1",
        "2026-01-05T00:00:00Z",
        UNTIL,
    )
    dev, staging = report["environments"]
    assert dev == {
        "environment": "dev",
        "deployments": 3,
        "per_day": 3 / 7,
        "lead_time_median_s": 5400.0,
        "lead_time_p90_s": 180000.0,
        "lead_time_unknown": 0,
        "change_failure_rate": 0.25,
        "failures": 1,
        "outcomes": 4,
        "restore_median_s": 900.0,
        "open_failures": 0,
        "unverified": 1,
        "bands": {"frequency": "high", "lead_time": "elite", "failure_rate": "medium"}
        | {"restore": "elite"},
    }
    assert (staging["deployments"], staging["lead_time_median_s"]) == (1, 11100.0)
    assert (staging["change_failure_rate"], staging["bands"]["failure_rate"]) == (0.0, "elite")
    assert [(e["environment"], e["kind"], e["at"]) for e in report["events"]] == [
        ("dev", "verified", "2026-01-05T01:00:00Z"),
        ("dev", "failed", "2026-01-06T00:00:00Z"),
        ("dev", "verified", "2026-01-07T00:00:00Z"),
        ("staging", "verified", "2026-01-07T02:00:00Z"),
        ("dev", "unverified", "2026-01-08T00:00:00Z"),
        ("dev", "verified", "2026-01-09T00:00:00Z"),
    ]


def test_text_is_a_table_per_environment(week: Timeline) -> None:
    result = metrics(week.path, *WINDOW)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "delivery metrics, 2026-01-05T00:00:00Z to 2026-01-12T00:00:00Z (7 days)\n"
        "\n"
        "dev\n"
        "  deployment frequency    0.43/day (3 in 7 days)    high\n"
        "  lead time for changes   median 1h 30m, p90 2d 2h  elite\n"
        "  change failure rate     25% (1 of 4)              medium\n"
        "  time to restore         median 15m                elite\n"
        "  unverified              1\n"
        "\n"
        "staging\n"
        "  deployment frequency    0.14/day (1 in 7 days)    high\n"
        "  lead time for changes   median 3h 5m, p90 3h 5m   elite\n"
        "  change failure rate     0% (0 of 1)               elite\n"
        "  time to restore         n/a                       -\n"
        "\n"
        "bands: DORA, Accelerate State of DevOps Report 2024 (Google Cloud): software delivery "
        "performance levels; thresholds as in docs/specs/delivery-records.md\n"
    )


def test_markdown_is_a_job_summary_table(week: Timeline) -> None:
    result = metrics(week.path, *WINDOW, "--markdown", "--env", "dev")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "### Delivery metrics: 2026-01-05T00:00:00Z to 2026-01-12T00:00:00Z (7 days)"
    assert lines[2] == (
        "| environment | deployment frequency | lead time for changes | change failure rate "
        "| time to restore | unverified |"
    )
    assert lines[4] == (
        "| `dev` | 0.43/day (3 in 7 days) **high** | median 1h 30m, p90 2d 2h **elite** "
        "| 25% (1 of 4) **medium** | median 15m **elite** | 1 |"
    )
    assert len(lines) == 7


def test_out_of_order_records_count_by_their_time(tmp_path: Path) -> None:
    """Records pushed late, and earlier than a later promotion, restore by their time."""
    timeline = Timeline(tmp_path / "config")
    source = timeline.source(at(0))
    first = timeline.promote("dev", source, at(1))
    second = timeline.promote("dev", source, at(1, 10))
    timeline.record(second, "verified", at(1, 15))  # pushed first
    timeline.record(first, "failed", at(1, 5))  # pushed later, but earlier than `second`
    result = metrics(timeline.path, *WINDOW, "--json")
    assert result.returncode == 0, result.stderr
    [dev] = json.loads(result.stdout)["environments"]
    assert (dev["deployments"], dev["failures"], dev["restore_median_s"]) == (1, 1, 600.0)
    assert dev["lead_time_median_s"] == 75 * 60.0


def test_env_selects_environments(week: Timeline) -> None:
    result = metrics(week.path, *WINDOW, "--json", "--env", "staging")
    report = json.loads(result.stdout)
    assert [m["environment"] for m in report["environments"]] == ["staging"]
    assert {e["environment"] for e in report["events"]} == {"staging"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "7d", "--until", "2026-01-04T00:00:00Z"), "any environment"),
        ((*WINDOW, "--env", "prod"), "prod"),
    ],
)
def test_no_deployment_in_the_window_exits_1(
    week: Timeline, args: tuple[str, ...], message: str
) -> None:
    result = metrics(week.path, *args)
    assert result.returncode == 1
    assert result.stderr.startswith(f"delivery-metrics: no promotion to {message} between ")
    assert "delivery metrics, " in result.stdout  # the empty report is still printed
    empty = json.loads(metrics(week.path, *args, "--json").stdout)
    assert empty["events"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "30"), "argument --since: must be a positive whole number of hours, days"),
        (("--since", "0d"), "--since: must be a positive whole number"),
        (("--since", "2m"), "(12h, 30d, 4w): '2m'"),
        (("--until", "yesterday"), "--until: not an RFC 3339 timestamp with a time zone"),
        (("--until", "2026-01-12T00:00:00"), "--until: not an RFC 3339 timestamp"),
        (("--env", "Prod!"), "--env: not an environment name: 'Prod!'"),
        (("--json", "--markdown"), "--markdown: not allowed with argument --json"),
        (("--since", "100000d"), "(12h, 30d, 4w): '100000d'"),
        (
            ("--since", "99999w", "--until", "0100-01-01T00:00:00Z"),
            "--since: 699993 days before --until is before the year 1",
        ),
    ],
)
def test_bad_input_exits_3(week: Timeline, args: tuple[str, ...], message: str) -> None:
    result = metrics(week.path, *args)
    assert result.returncode == 3
    assert result.stderr.startswith("delivery-metrics: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_not_a_git_repository_exits_3(tmp_path: Path, week: Timeline) -> None:
    result = metrics(tmp_path)
    assert (result.returncode, result.stderr) == (
        3,
        f"delivery-metrics: {tmp_path}: not a git repository\n",
    )
    source = metrics(week.path, "--source-repo", str(tmp_path))
    assert (source.returncode, source.stderr) == (
        3,
        f"delivery-metrics: {tmp_path}: not a git repository\n",
    )


def test_a_note_in_an_unknown_format_exits_4(tmp_path: Path) -> None:
    timeline = Timeline(tmp_path / "config")
    promotion = timeline.promote("dev", timeline.source(at(0)), at(1))
    timeline.note(promotion, "deployed ok")
    result = metrics(timeline.path, *WINDOW)
    assert result.returncode == 4
    assert result.stderr.startswith(f"delivery-metrics: note on {promotion[:12]}, line 1: not JSON")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_help_documents_the_exit_codes(week: Timeline) -> None:
    result = metrics(week.path, "--help")
    assert result.returncode == 0
    assert "1  no promotion at all in the window" in result.stdout
    assert "4  a note that is not in the v1 record format" in result.stdout


def test_promote_record_rollback_record_end_to_end(repo: Path) -> None:
    """The real commands in the order verify.yaml runs them, timed by the clock."""
    good, bad = "sha256:" + "2" * 64, "sha256:" + "3" * 64
    source = git(repo, "rev-parse", "HEAD")
    first = promote(repo, "--env", "dev", "--image", f"backend={good}", "--source-sha", source)
    assert first.returncode == 0, first.stderr
    record = ("--verdict", "verified", "--promotion", first.stdout.strip())
    assert run_cli("delivery.record_cli", repo, *record).returncode == 0
    second = promote(repo, "--env", "dev", "--image", f"backend={bad}", "--source-sha", "e" * 40)
    broken = second.stdout.strip()
    rollback = run_cli("delivery.rollback_cli", repo, "--promotion", broken, "--reason", "x")
    assert rollback.returncode == 0, rollback.stderr
    failed = run_cli("delivery.record_cli", repo, "--verdict", "failed", "--promotion", broken)
    assert failed.returncode == 0, failed.stderr
    assert json.loads(failed.stdout)["digest"] == bad
    assert run_cli("delivery.record_cli", repo, *record).returncode == 0
    result = metrics(repo, "--since", "1h", "--json")
    assert result.returncode == 0, result.stderr
    [dev] = json.loads(result.stdout)["environments"]
    assert (dev["deployments"], dev["failures"], dev["outcomes"]) == (1, 1, 2)
    assert (dev["open_failures"], dev["lead_time_unknown"], dev["unverified"]) == (0, 0, 0)
    assert 0 <= dev["restore_median_s"] < 60
    kinds = [e["kind"] for e in json.loads(result.stdout)["events"]]
    assert kinds == ["verified", "failed"]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "n/a"),
        (0.0, "0s"),
        (59.4, "59s"),
        (59.6, "1m"),
        (3599.0, "59m 59s"),
        (3600.0, "1h"),
        (90061.0, "1d 1h"),
        (40 * 86400.0, "40d"),
    ],
)
def test_durations_in_two_units_at_most(seconds: float | None, text: str) -> None:
    assert duration(seconds) == text
