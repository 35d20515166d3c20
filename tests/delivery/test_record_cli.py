"""delivery-record on real temporary git repositories."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from delivery.git import run as git
from delivery.history import read_history
from delivery.records import NOTES_REF, parse_time
from tests.delivery.gitrepo import run_cli
from tests.delivery.test_history import Timeline, at, digest


def record(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("delivery.record_cli", repo, *args)


@pytest.fixture
def timeline(tmp_path: Path) -> Timeline:
    return Timeline(tmp_path / "config")


def test_the_record_is_derived_from_the_promotion(timeline: Timeline) -> None:
    source = timeline.source(at(0))
    promotion = timeline.promote("staging", source, at(1), backend=digest(7))
    result = record(
        timeline.path,
        "--promotion",
        promotion,
        "--verdict",
        "verified",
        "--run",
        "https://ci.example/runs/1",
        "--at",
        "2026-01-05T03:04:05+02:00",
    )
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert json.loads(line) == {
        "schema": "deployment-record/v1",
        "environment": "staging",
        "verdict": "verified",
        "at": "2026-01-05T01:04:05Z",
        "source_sha": source,
        "digest": digest(7),
        "run": "https://ci.example/runs/1",
    }
    assert git(timeline.path, "notes", "--ref", NOTES_REF, "show", promotion) == line


def test_records_are_appended_and_read_back(timeline: Timeline) -> None:
    promotion = timeline.promote("dev", timeline.source(at(0)), at(1))
    before = datetime.now(UTC).replace(microsecond=0)
    failed = record(timeline.path, "--promotion", promotion, "--verdict", "failed")
    verified = record(timeline.path, "--promotion", promotion, "--verdict", "verified")
    assert (failed.returncode, verified.returncode) == (0, 0), failed.stderr + verified.stderr
    written = parse_time(json.loads(failed.stdout)["at"])
    assert before <= written <= datetime.now(UTC)  # default --at: now, to the second
    assert json.loads(failed.stdout)["run"] is None
    [seen] = read_history(timeline.path)
    assert sorted(r.verdict for r in seen.records) == ["failed", "verified"]


def test_no_backend_digest_is_null(timeline: Timeline) -> None:
    promotion = timeline.promote("dev", timeline.source(at(0)), at(1), backend=None)
    result = record(timeline.path, "--promotion", promotion, "--verdict", "verified")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["digest"] is None


def test_only_promotion_commits_take_records(timeline: Timeline) -> None:
    head = git(timeline.path, "rev-parse", "HEAD")
    result = record(timeline.path, "--promotion", head, "--verdict", "verified")
    assert result.returncode == 4
    assert result.stderr == (
        f"delivery-record: {head[:12]} is not a promotion commit (subject: 'initial')\n"
    )
    unknown = record(timeline.path, "--promotion", "d" * 40, "--verdict", "verified")
    assert unknown.returncode == 4
    assert f"{'d' * 12} is not a commit in {timeline.path}" in unknown.stderr
    assert "Traceback" not in result.stderr + unknown.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--verdict", "verified"], "the following arguments are required: --promotion"),
        (["--promotion", "abc", "--verdict", "verified"], "--promotion: must be a full 40"),
        (["--promotion", "a" * 40, "--verdict", "passed"], "--verdict: invalid choice: 'passed'"),
        (
            ["--promotion", "a" * 40, "--verdict", "failed", "--at", "2026-01-05T00:00:00"],
            "--at: not an RFC 3339 timestamp with a time zone: '2026-01-05T00:00:00'",
        ),
        (["--promotion", "a" * 40, "--verdict", "failed", "--run", " "], "--run: must be one"),
    ],
)
def test_bad_input_exits_3(timeline: Timeline, args: list[str], message: str) -> None:
    result = record(timeline.path, *args)
    assert result.returncode == 3
    assert result.stderr.startswith("delivery-record: ")
    assert message in result.stderr


def test_not_a_git_repository_exits_3(tmp_path: Path) -> None:
    result = record(tmp_path, "--promotion", "a" * 40, "--verdict", "verified")
    assert result.returncode == 3
    assert result.stderr == f"delivery-record: {tmp_path}: not a git repository\n"


def test_the_given_time_is_the_records(timeline: Timeline) -> None:
    promotion = timeline.promote("dev", timeline.source(at(0)), at(1))
    when = (at(1) + timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = record(timeline.path, "--promotion", promotion, "--verdict", "verified", "--at", when)
    assert result.returncode == 0, result.stderr
    [seen] = read_history(timeline.path)
    assert [r.at for r in seen.records] == [at(1, 3)]
