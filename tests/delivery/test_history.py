"""read_history on real temporary git repositories with exact commit times.

``Timeline`` builds a config history commit by commit (promotions, records,
reverts, merges) at the times given; the metrics and record tests use it too.
"""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from delivery.git import run as git
from delivery.history import HistoryError, read_history
from delivery.promote_cli import commit_message
from delivery.records import NOTES_REF, Record, RecordError, Verdict, format_record
from tests.delivery.gitrepo import make_repo

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def at(hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
    return T0 + timedelta(hours=hours, minutes=minutes, seconds=seconds)


def digest(n: int) -> str:
    return "sha256:" + f"{n % 16:x}" * 64


def overlay(env: str, backend: str | None) -> str:
    pinned = f"  - name: backend\n    digest: {backend}\n" if backend else ""
    return f"namespace: {env}\nimages:\n{pinned}  - name: frontend\n    newTag: '0.1.0'\n"


class Timeline:
    """A config repository whose every commit has the committer date it is given."""

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = make_repo(path)
        self.counter = 0

    def commit(self, when: datetime, message: str) -> str:
        stamp = f"@{int(when.timestamp())} +0000"
        env = {**os.environ, "GIT_COMMITTER_DATE": stamp, "GIT_AUTHOR_DATE": stamp}
        args = ["commit", "-q", "--allow-empty", "-m", message]
        subprocess.run(["git", "-C", str(self.path), *args], env=env, check=True)
        return git(self.path, "rev-parse", "HEAD")

    def source(self, when: datetime) -> str:
        """A source commit (in the same repository, as in the monorepo)."""
        self.counter += 1
        (self.path / "src.txt").write_text(f"change {self.counter}\n")
        git(self.path, "add", "src.txt")
        return self.commit(when, f"feat: change {self.counter}")

    def promote(
        self, env: str, source: str, when: datetime, backend: str | None = "default"
    ) -> str:
        self.counter += 1
        pinned = digest(self.counter % 16) if backend == "default" else backend
        path = self.path / "k8s/overlays" / env / "kustomization.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(overlay(env, pinned) + f"# promotion {self.counter}\n")
        git(self.path, "add", str(path))
        return self.commit(when, commit_message(env, source, {"backend": str(pinned)}))

    def record(
        self, promotion: str, verdict: Verdict, when: datetime, env: str | None = None
    ) -> str:
        environment = env or git(self.path, "log", "-1", "--format=%s", promotion)[7:].split(")")[0]
        line = format_record(Record(environment, verdict, when, "c" * 40, None, None))
        self.note(promotion, line)
        return line

    def note(self, promotion: str, text: str) -> None:
        git(self.path, "notes", "--ref", NOTES_REF, "append", "-m", text, promotion)

    def revert(self, promotion: str, when: datetime) -> str:
        message = f"revert: a promotion\n\nReason: test\nReverts-Promotion: {promotion}\n"
        return self.commit(when, message)


@pytest.fixture
def timeline(tmp_path: Path) -> Timeline:
    return Timeline(tmp_path / "config")


def test_promotions_with_their_records_reverts_and_source_times(timeline: Timeline) -> None:
    source = timeline.source(at(0))
    first = timeline.promote("dev", source, at(1))
    timeline.record(first, "verified", at(1, 10))
    second = timeline.promote("dev", source, at(2))
    timeline.record(second, "failed", at(2, 15))
    revert = timeline.revert(second, at(2, 20))
    timeline.record(first, "verified", at(2, 30))
    [one, two] = read_history(timeline.path)
    assert (one.sha, one.environment, one.source_sha) == (first, "dev", source)
    assert (one.committed_at, one.source_committed_at) == (at(1), at(0))
    assert [(r.verdict, r.at) for r in one.records] == [
        ("verified", at(1, 10)),
        ("verified", at(2, 30)),
    ]
    assert (one.reverted_by, one.reverted_at) == (None, None)
    assert (two.sha, two.reverted_by, two.reverted_at) == (second, revert, at(2, 20))
    assert [r.verdict for r in two.records] == ["failed"]


def test_records_are_ordered_by_time_not_by_line(timeline: Timeline) -> None:
    # A notes merge (cat_sort_uniq) sorts lines; a late push appends an earlier record.
    promotion = timeline.promote("dev", timeline.source(at(0)), at(1))
    timeline.record(promotion, "verified", at(3))
    timeline.record(promotion, "failed", at(2))
    [seen] = read_history(timeline.path)
    assert [(r.verdict, r.at) for r in seen.records] == [("failed", at(2)), ("verified", at(3))]


def test_merges_missing_notes_and_two_environments(timeline: Timeline) -> None:
    source = timeline.source(at(0))
    dev = timeline.promote("dev", source, at(1))
    git(timeline.path, "switch", "-q", "-c", "staging-pr")
    staging = timeline.promote("staging", source, at(2))
    git(timeline.path, "switch", "-q", "main")
    other = timeline.promote("dev", source, at(3))
    stamp = f"@{int(at(4).timestamp())} +0000"
    subprocess.run(
        [
            "git",
            "-C",
            str(timeline.path),
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Merge staging-pr",
            "staging-pr",
        ],
        env={**os.environ, "GIT_COMMITTER_DATE": stamp, "GIT_AUTHOR_DATE": stamp},
        check=True,
    )
    promotions = read_history(timeline.path)
    assert [(p.sha, p.environment) for p in promotions] == [
        (dev, "dev"),
        (staging, "staging"),
        (other, "dev"),
    ]
    assert all(p.records == () for p in promotions)


@pytest.mark.parametrize(
    "message",
    [
        "deploy(dev): promote backend to cccccccccccc\n\nno trailer\n",  # no Source-Commit
        "deploy(dev): promote backend\n\nSource-Commit: abc\n",  # not a full SHA
        "chore: bump\n\nSource-Commit: " + "c" * 40 + "\n",  # not a deploy subject
        'Revert "deploy(dev): …"\n\nThis reverts commit 1234.\n',  # a hand-made git revert
    ],
)
def test_commits_that_are_not_promotions_are_skipped(timeline: Timeline, message: str) -> None:
    commit = timeline.commit(at(1), message)
    timeline.note(commit, "not even JSON")  # notes on other commits are not read
    assert read_history(timeline.path) == []


def test_trailer_keys_match_case_blind_and_the_first_good_value_counts(
    timeline: Timeline,
) -> None:
    source = timeline.source(at(0))
    message = f"deploy(dev): by hand\n\nsource-commit: abc\nSOURCE-COMMIT: {source}\n"
    promotion = timeline.commit(at(1), message)
    revert = timeline.commit(at(2), f"undo\n\nreverts-promotion: {promotion}\n")
    [seen] = read_history(timeline.path)
    assert (seen.sha, seen.source_sha, seen.reverted_by) == (promotion, source, revert)


def test_a_revert_naming_an_unknown_promotion_is_ignored(timeline: Timeline) -> None:
    promotion = timeline.promote("dev", timeline.source(at(0)), at(1))
    timeline.revert("d" * 40, at(2))
    [seen] = read_history(timeline.path)
    assert (seen.sha, seen.reverted_by) == (promotion, None)


def test_the_first_revert_counts(timeline: Timeline) -> None:
    promotion = timeline.promote("dev", timeline.source(at(0)), at(1))
    first = timeline.revert(promotion, at(2))
    timeline.revert(promotion, at(3))
    [seen] = read_history(timeline.path)
    assert (seen.reverted_by, seen.reverted_at) == (first, at(2))


def test_a_source_commit_not_in_the_repository_has_no_time(timeline: Timeline) -> None:
    timeline.promote("dev", "d" * 40, at(1))
    [seen] = read_history(timeline.path)
    assert (seen.source_sha, seen.source_committed_at) == ("d" * 40, None)


def test_source_times_come_from_the_source_repository(tmp_path: Path) -> None:
    sources = Timeline(tmp_path / "source")
    source = sources.source(at(0, 30))
    config = Timeline(tmp_path / "config")
    config.promote("dev", source, at(1))
    [alone] = read_history(config.path)
    [seen] = read_history(config.path, source_repo=sources.path)
    assert (alone.source_committed_at, seen.source_committed_at) == (None, at(0, 30))


def test_two_git_processes_at_most_whatever_the_length(
    timeline: Timeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    for hour in range(1, 6):
        promotion = timeline.promote("dev", timeline.source(at(hour)), at(hour, 1))
        timeline.record(promotion, "verified", at(hour, 2))
    git(timeline.path, "switch", "-q", "-c", "feature")
    unmerged = timeline.source(at(6))  # in the repository, not in HEAD's history
    git(timeline.path, "switch", "-q", "main")
    calls: list[list[str]] = []
    real = subprocess.run

    def counting(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        calls.append(args[3:6])
        return real(args, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(subprocess, "run", counting)
    assert len(read_history(timeline.path)) == 5
    assert calls == [["-c", "log.showSignature=false", "log"]]  # sources were in the log
    timeline.promote("dev", unmerged, at(7))
    timeline.promote("dev", "d" * 40, at(8))
    calls.clear()
    promotions = read_history(timeline.path)
    assert [p.source_committed_at for p in promotions[-2:]] == [at(6), None]
    assert calls == [
        ["-c", "log.showSignature=false", "log"],
        ["log", "--no-walk=unsorted", "--ignore-missing"],
    ]


def test_an_empty_repository_has_no_history(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    assert read_history(tmp_path) == []


def test_not_a_git_repository(tmp_path: Path, timeline: Timeline) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(HistoryError, match=f"^{plain}: not a git repository$"):
        read_history(plain)
    with pytest.raises(HistoryError, match="missing: not a git repository"):
        read_history(tmp_path / "missing")
    timeline.promote("dev", "d" * 40, at(1))
    with pytest.raises(HistoryError, match=f"^{plain}: not a git repository$"):
        read_history(timeline.path, source_repo=plain)


def test_a_note_in_an_unknown_format_names_commit_and_line(timeline: Timeline) -> None:
    promotion = timeline.promote("dev", timeline.source(at(0)), at(1))
    timeline.record(promotion, "verified", at(1, 5))
    timeline.note(promotion, '{"schema": "deployment-record/v2"}')
    # append leaves a blank line between records: the second record is line 3
    with pytest.raises(RecordError) as caught:
        read_history(timeline.path)
    assert str(caught.value) == (
        f"note on {promotion[:12]}, line 3: unknown schema 'deployment-record/v2' "
        "(this reader knows 'deployment-record/v1')"
    )


def test_a_record_for_another_environment_is_refused(timeline: Timeline) -> None:
    promotion = timeline.promote("dev", timeline.source(at(0)), at(1))
    timeline.record(promotion, "verified", at(1, 5), env="prod")
    with pytest.raises(RecordError, match="line 1: record for environment 'prod' on a promotion"):
        read_history(timeline.path)
