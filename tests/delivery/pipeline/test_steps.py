"""The composite steps on a real config repository with a bare origin: promote (to main
or as a pull request), promote_from, and verify's whole sequence with scripted outcomes."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from delivery import promote_cli, verify_cli
from delivery.git import run as git
from delivery.pipeline import remote, steps
from delivery.pipeline.state import read_states
from delivery.pipeline.steps import Target
from tests.delivery.pipeline.configrepo import (
    AT,
    INITIAL,
    Config,
    add_record,
    clone,
    digest,
    head,
    note_lines,
    record_line,
    source,
)

S1, S2, S3 = source("1"), source("2"), source("3")
D1, D2, D3 = digest("1"), digest("2"), digest("3")
URL = Target(url="http://{env}.example.invalid/meta", consecutive=2, interval=0.5, timeout=9)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda _seconds: None)


class Script:
    """verify_cli.main's stand-in: answers OUTCOMES in turn and keeps every argv."""

    def __init__(self, *outcomes: int, during: Callable[[], None] | None = None) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[list[str]] = []
        self.during = during

    def __call__(self, argv: Sequence[str]) -> int:
        self.calls.append(list(argv))
        if self.during and len(self.calls) == 1:
            self.during()
        return self.outcomes.pop(0)

    def expected(self, call: int) -> tuple[str, str | None]:
        argv = self.calls[call]
        found = argv.index("--expect-digest") if "--expect-digest" in argv else None
        return argv[argv.index("--expect-sha") + 1], argv[found + 1] if found else None


def verdicts(repo: Path, commit: str) -> list[str]:
    return [json.loads(line)["verdict"] for line in note_lines(repo, commit)]


def deployed(config: Config) -> tuple[str, str]:
    """dev's first promotion (S1, D1) verified and a second (S2, D2) not yet, on origin."""
    work = config.work
    first = promote_cli.promote(work, "dev", {"backend": D1}, S1)
    assert first is not None
    add_record(work, first, record_line("dev", "verified", S1, D1))
    second = promote_cli.promote(work, "dev", {"backend": D2}, S2)
    assert second is not None
    remote.push_head(work)
    remote.push_notes(work)
    return first, second


# -- promote


def test_promote_commits_locally_and_is_idempotent(config: Config) -> None:
    sha = steps.promote(config.work, "dev", S1, {"backend": D1, "frontend": D1})
    assert sha == head(config.work)
    assert git(config.work, "log", "-1", "--format=%s") == (
        f"deploy(dev): promote backend, frontend to {S1[:12]}"
    )
    assert head(config.origin, "main") != sha  # not pushed
    assert steps.promote(config.work, "dev", S1, {"backend": D1, "frontend": D1}) is None


def test_promote_and_push_lands_on_the_remotes_newest_main(config: Config, tmp_path: Path) -> None:
    other = clone(config.origin, tmp_path / "other")
    (other / "README.md").write_text("edited elsewhere\n")
    git(other, "commit", "-qam", "docs: edit")
    git(other, "push", "-q", "origin", "HEAD:main")
    newer = head(other)
    sha = steps.promote(config.work, "dev", S1, {"backend": D1}, push=True)
    assert sha is not None
    assert head(config.origin, "main") == sha
    assert head(config.origin, "main^") == newer


def test_promote_through_a_pull_request(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {tmp_path}/gh-args\n')
    gh.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    before = head(config.origin, "main")
    assert (
        steps.promote(config.work, "prod", S1, {"backend": D1}, "pull-request", push=True) is None
    )
    branch = f"deploy/prod/{S1[:12]}"
    assert head(config.origin, "main") == before  # main waits for the merge
    assert git(config.origin, "log", "-1", "--format=%s", branch) == (
        f"deploy(prod): promote backend to {S1[:12]}"
    )
    args = (tmp_path / "gh-args").read_text().splitlines()
    assert args[:6] == ["pr", "create", "--base", "main", "--head", branch]
    assert args[args.index("--title") + 1] == f"deploy(prod): promote images built from {S1[:12]}"


def test_promote_to_a_pull_request_branch_without_pushing(config: Config) -> None:
    sha = steps.promote(config.work, "prod", S1, {"backend": D1}, "pull-request")
    assert sha == head(config.work)
    assert git(config.work, "branch", "--show-current") == f"deploy/prod/{S1[:12]}"


def test_promote_from_refuses_an_unverified_version(config: Config) -> None:
    with pytest.raises(steps.StepError, match="dev's version is not verified"):
        steps.promote_from(config.work, "staging", "dev")  # no promotion yet
    promote_cli.promote(config.work, "dev", {"backend": D1}, S1)
    with pytest.raises(steps.StepError, match=rf"\(dev: {S1[:12]} \(not verified yet\)\); "
                       "nothing goes to staging"):  # fmt: skip
        steps.promote_from(config.work, "staging", "dev")


def test_promote_from_carries_the_verified_version_on(config: Config) -> None:
    first, _ = deployed(config)
    git(config.work, "reset", "-q", "--hard", first)  # dev runs S1 (verified) here
    sha = steps.promote_from(config.work, "staging", "dev")
    assert sha is not None
    dev, staging = read_states(config.work, ("dev", "staging"))
    assert (staging.source_sha, staging.digests) == (S1, {"backend": D1, "frontend": INITIAL})
    assert dev.verdict == "verified"


def test_promote_from_with_push_reads_the_remote(config: Config) -> None:
    deployed(config)
    second = head(config.work)
    add_record(config.work, second, record_line("dev", "verified", S2, D2))
    remote.push_notes(config.work)
    git(config.work, "reset", "-q", "--hard", "HEAD~2")  # a stale clone: sync brings it up
    sha = steps.promote_from(config.work, "staging", "dev", push=True)
    assert sha == head(config.origin, "main")
    assert read_states(config.origin, ("staging",))[0].source_sha == S2


# -- verify


def test_verified_pushes_one_verified_record(config: Config) -> None:
    first, second = deployed(config)
    script = Script(0)
    code = steps.verify(config.work, second, URL, push=True, run_url="https://ci/run/1",
                        verify_main=script)  # fmt: skip
    assert code == steps.VERIFIED
    assert script.calls == [[
        "--expect-sha", S2, "-n", "2", "--interval", "0.5", "--timeout", "9",
        "--expect-digest", D2, "--url", "http://dev.example.invalid/meta",
    ]]  # fmt: skip
    (line,) = note_lines(config.origin, second)
    assert json.loads(line) | {"at": None} == {
        "schema": "deployment-record/v1", "environment": "dev", "verdict": "verified",
        "at": None, "source_sha": S2, "digest": D2, "run": "https://ci/run/1",
    }  # fmt: skip
    assert verdicts(config.origin, first) == ["verified"]
    assert head(config.origin, "main") == second  # nothing reverted


def test_failed_is_recorded_reverted_and_the_previous_version_verified_again(
    config: Config,
) -> None:
    first, second = deployed(config)
    on_origin: list[str] = []
    script = Script(1, 0)
    code = steps.verify(
        config.work, second, URL, push=True, verify_main=script,
        after_push=lambda: on_origin.append(head(config.origin, "main")),
    )  # fmt: skip
    assert code == steps.RESTORED
    assert script.expected(0) == (S2, D2)
    assert script.expected(1) == (S1, D1)  # the previous version, by its digest
    revert = head(config.origin, "main")
    assert on_origin == [revert]  # the revert was on origin before verifying again
    body = git(config.origin, "log", "-1", "--format=%B", revert)
    assert f"Reverts-Promotion: {second}" in body
    assert "Reason: verify exit 1 on dev" in body
    assert verdicts(config.origin, second) == ["failed"]
    assert verdicts(config.origin, first) == ["verified", "verified"]  # the restore record
    (dev,) = read_states(config.origin, ("dev",))
    assert (dev.promotion, dev.verdict, dev.failed) == (first, "verified", frozenset({S2}))


def test_failed_and_the_previous_version_failing_too_is_not_restored(config: Config) -> None:
    first, second = deployed(config)
    script = Script(2, 1)
    assert steps.verify(config.work, second, URL, push=True, verify_main=script) == (
        steps.NOT_RESTORED
    )
    assert len(script.calls) == 2
    assert f"Reverts-Promotion: {second}" in git(config.origin, "log", "-1", "--format=%B", "main")
    assert verdicts(config.origin, second) == ["failed"]
    assert verdicts(config.origin, first) == ["verified"]  # no restore record


def test_a_bad_request_reverts_nothing(config: Config) -> None:
    first, second = deployed(config)
    script = Script(3)
    assert steps.verify(config.work, second, URL, push=True, verify_main=script) == steps.BAD_INPUT
    assert len(script.calls) == 1
    assert head(config.origin, "main") == second
    assert note_lines(config.origin, second) == []
    assert verdicts(config.origin, first) == ["verified"]


def test_not_a_promotion_is_bad_input(config: Config) -> None:
    script = Script()
    assert steps.verify(config.work, "f" * 40, URL, verify_main=script) == steps.BAD_INPUT
    assert script.calls == []


def test_the_first_promotion_failing_has_nothing_to_restore(config: Config) -> None:
    only = promote_cli.promote(config.work, "dev", {"backend": D1}, S1)
    assert only is not None
    script = Script(1)
    assert steps.verify(config.work, only, URL, verify_main=script) == steps.NOT_RESTORED
    assert len(script.calls) == 1
    assert verdicts(config.work, only) == ["failed"]
    assert f"Reverts-Promotion: {only}" in git(config.work, "log", "-1", "--format=%B")
    assert head(config.origin, "main") != head(config.work)  # not pushed


def test_a_superseded_promotion_is_neither_reverted_nor_recorded(config: Config) -> None:
    _, second = deployed(config)
    third = promote_cli.promote(config.work, "dev", {"backend": D3}, S3)  # same line as second
    assert third is not None
    remote.push_head(config.work)
    assert steps.verify(config.work, second, URL, push=True, verify_main=Script(1)) == (
        steps.SUPERSEDED
    )
    assert verdicts(config.origin, second) == []  # the newer promotion is verified next
    assert head(config.origin, "main") == third


def test_a_promotion_not_delivered_is_neither_reverted_nor_recorded(config: Config) -> None:
    _, second = deployed(config)
    before = head(config.origin, "main")
    script = Script(4)  # verify: the Deployment never pinned the digest
    assert steps.verify(config.work, second, URL, push=True, verify_main=script) == (
        steps.NOT_DELIVERED
    )
    assert len(script.calls) == 1  # no previous version verified: nothing was reverted
    assert verdicts(config.origin, second) == []  # verified again, by the plan's first rule
    assert head(config.origin, "main") == before


def test_a_newer_promotion_outranks_not_delivered(config: Config) -> None:
    _, second = deployed(config)
    third = promote_cli.promote(config.work, "dev", {"backend": D3}, S3)
    assert third is not None
    remote.push_head(config.work)
    assert steps.verify(config.work, second, URL, push=True, verify_main=Script(4)) == (
        steps.SUPERSEDED
    )


def test_a_running_verify_stops_once_a_newer_promotion_lands(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, second = deployed(config)
    monkeypatch.setattr(steps, "CHECK_EVERY_S", 0.0)
    reasons: list[str | None] = []

    def main(argv: list[str] | None = None, stop: Callable[[], str | None] | None = None) -> int:
        assert argv is not None
        assert stop is not None
        reasons.append(stop())  # nothing newer yet
        third = promote_cli.promote(config.work, "dev", {"backend": D3}, S3)
        assert third is not None
        remote.push_head(config.work)
        reasons.append(stop())
        return verify_cli.EXIT_STOPPED

    monkeypatch.setattr(verify_cli, "main", main)
    assert steps.verify(config.work, second, URL, push=True) == steps.SUPERSEDED
    assert reasons[0] is None
    assert reasons[1] is not None
    assert "changed dev's overlay" in reasons[1]
    assert verdicts(config.origin, second) == []


def test_records_and_commits_pushed_meanwhile_are_merged_never_lost_or_doubled(
    config: Config, tmp_path: Path
) -> None:
    first, second = deployed(config)
    other = clone(config.origin, tmp_path / "other")
    theirs = record_line("staging", "verified", S1, D1)

    def another_job() -> None:  # pushes a record and a commit while verify waits
        remote.sync(other)
        staging = promote_cli.promote(other, "staging", {"backend": D1}, S1)
        assert staging is not None
        add_record(other, staging, theirs)
        add_record(other, first, record_line("dev", "verified", S1, D1, tmp_at()))
        remote.push_head(other)
        remote.push_notes(other)

    script = Script(1, 0, during=another_job)
    assert steps.verify(config.work, second, URL, push=True, verify_main=script) == steps.RESTORED
    main = head(config.origin, "main")
    assert git(config.origin, "log", "-1", "--format=%s", main).startswith("revert: deploy(dev)")
    staging = head(config.origin, "main^")
    assert note_lines(config.origin, staging) == [theirs]
    assert verdicts(config.origin, second) == ["failed"]
    # the setup's record once, the other job's once, the restore record once
    assert verdicts(config.origin, first) == ["verified", "verified", "verified"]
    assert len(set(note_lines(config.origin, first))) == 3
    dev, staged = read_states(config.origin, ("dev", "staging"))
    assert (dev.promotion, dev.verdict) == (first, "verified")
    assert (staged.promotion, staged.verdict) == (staging, "verified")


def tmp_at() -> datetime:
    return AT + timedelta(minutes=5)


def test_verify_without_push_keeps_everything_local(config: Config) -> None:
    _, second = deployed(config)
    assert steps.verify(config.work, second, URL, verify_main=Script(0)) == steps.VERIFIED
    assert verdicts(config.work, second) == ["verified"]
    assert note_lines(config.origin, second) == []


def test_verify_defaults_to_verify_cli(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    _, second = deployed(config)
    seen: list[list[str] | None] = []

    def main(argv: list[str] | None = None, stop: object = None) -> int:
        assert stop is not None
        seen.append(argv)
        return 0

    monkeypatch.setattr(verify_cli, "main", main)
    assert steps.verify(config.work, second, URL) == steps.VERIFIED
    assert seen
    assert seen[0] is not None
    assert seen[0][:2] == ["--expect-sha", S2]


@pytest.mark.parametrize(
    ("target", "digest", "judge", "expected"),
    [
        pytest.param(
            Target(url="http://{env}/meta"), None, True,
            ["--url", "http://dev/meta"], id="url-without-digest",
        ),
        pytest.param(
            Target(url="http://{env}/meta", judge_rollout=True), D1, True,
            ["--expect-digest", D1, "--url", "http://dev/meta"],
            id="url-never-judges-the-rollout",
        ),
        pytest.param(
            Target(), D1, True,
            ["--expect-digest", D1, "--service", "gitops-platform-dev/backend",
             "--kubectl", "kubectl"],
            id="service-endpoints",
        ),
        pytest.param(
            Target(kubeconfig="/k", kubectl="/bin/kubectl", judge_rollout=True), D1, True,
            ["--expect-digest", D1, "--service", "gitops-platform-dev/backend", "--kubectl",
             "/bin/kubectl", "--kubeconfig", "/k", "--judge-rollout",
             "--deployment", "gitops-platform-dev/backend"],
            id="service-judging-the-rollout",
        ),
        pytest.param(
            Target(namespace="ns-{env}", judge_rollout=True), D1, False,
            ["--expect-digest", D1, "--service", "ns-dev/backend", "--kubectl", "kubectl"],
            id="the-previous-version-is-not-judged",
        ),
        pytest.param(
            Target(status_url="http://board/api/v1/status"), None, False,
            ["--service", "gitops-platform-dev/backend", "--kubectl", "kubectl",
             "--deployment", "gitops-platform-dev/backend",
             "--status-url", "http://board/api/v1/status"],
            id="the-board-must-agree",
        ),
    ],
)  # fmt: skip
def test_target_argv(target: Target, digest: str | None, judge: bool, expected: list[str]) -> None:
    common = ["--expect-sha", S1, "-n", "3", "--interval", "1.0", "--timeout", "60"]
    assert target.argv("dev", S1, digest, judge, 60) == common + expected


def test_verifying_the_previous_version_again_is_not_stopped_by_the_revert_itself(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, second = deployed(config)
    monkeypatch.setattr(steps, "CHECK_EVERY_S", 0.0)
    answers = iter([1, 0])  # the promotion fails; the previous version answers again
    reasons: list[str | None] = []

    def main(argv: list[str] | None = None, stop: Callable[[], str | None] | None = None) -> int:
        assert argv is not None
        assert stop is not None
        reasons.append(stop())
        return next(answers)

    monkeypatch.setattr(verify_cli, "main", main)
    assert steps.verify(config.work, second, URL, push=True) == steps.RESTORED
    assert reasons == [None, None]  # the revert is not a newer promotion to wait for
