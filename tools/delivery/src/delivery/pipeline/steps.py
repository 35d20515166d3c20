"""The pipeline's composite steps: promote (to main, or as a pull request) and verify (on
failure: revert, verify the previous version again, record both), on a work clone of
the config repository, pushing to its remote when asked."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from delivery import promote_cli, rollback_cli, verify_cli
from delivery.convergence import EXIT_CODES, Outcome
from delivery.git import GitError, run
from delivery.pipeline import remote
from delivery.pipeline.state import overlay_path, read_states
from delivery.record_cli import record_for
from delivery.records import NOTES_REF, Verdict, format_record

Gate = Literal["auto", "pull-request"]
# pipeline verify's exit codes (documented in tools/delivery/README.md)
VERIFIED, RESTORED, NOT_RESTORED, BAD_INPUT, REFUSED, SUPERSEDED = 0, 1, 2, 3, 4, 5
NOT_DELIVERED = 6
NOT_DELIVERED_CODE = EXIT_CODES[Outcome.NOT_DELIVERED]  # verify's
CHECK_EVERY_S = 2.0  # how often a running verify asks git whether it was superseded


class StepError(RuntimeError):
    """A step refused (exit 4): the message says why."""


def say(message: str) -> None:
    sys.stderr.write(f"pipeline: {message}\n")


def promote(
    repo: Path,
    env: str,
    source_sha: str,
    digests: dict[str, str],
    gate: Gate = "auto",
    push: bool = False,
) -> str | None:
    """The promotion commit for ENV (None: already there, or a pull request was opened)."""
    if push:
        remote.sync(repo)
    branch = f"deploy/{env}/{source_sha[:12]}"
    if gate == "pull-request":
        run(repo, "switch", "-q", "--create", branch)
    sha = promote_cli.promote(repo, env, digests, source_sha)
    if sha is None or not push:
        return sha
    if gate == "auto":
        remote.push_head(repo)
        say(f"pushed {sha[:12]} ({env}) to main")
        return sha
    run(repo, "push", "-q", "origin", f"HEAD:refs/heads/{branch}")
    title = f"deploy({env}): promote images built from {source_sha[:12]}"
    body = (
        f"Promotes the images built from {source_sha} to {env}. Merging this is the "
        "deployment; verify.yaml checks it and reverts it on failure."
    )
    subprocess.run(
        [
            "gh",
            "pr",
            "create",
            "--base",
            "main",
            "--head",
            branch,
            "--title",
            title,
            "--body",
            body,
        ],
        cwd=repo,
        check=True,
    )
    return None


def promote_from(
    repo: Path, env: str, from_env: str, gate: Gate = "auto", push: bool = False
) -> str | None:
    """Promote the version FROM_ENV runs, once verified there, to ENV."""
    if push:
        remote.sync(repo)
    states = {s.name: s for s in read_states(repo, (from_env, env))}
    earlier = states[from_env]
    if earlier.verdict != "verified" or earlier.source_sha is None:
        raise StepError(
            f"{from_env}'s version is not verified ({earlier.describe()}); nothing goes to {env}"
        )
    return promote(repo, env, earlier.source_sha, dict(earlier.digests), gate, push)


@dataclass(frozen=True)
class Target:
    """How verify reaches an environment: its /meta URL ({env} is replaced), or every
    ready endpoint of its Service through the Kubernetes API."""

    url: str | None = None
    kubeconfig: str | None = None
    kubectl: str = "kubectl"
    status_url: str | None = None
    namespace: str = "gitops-platform-{env}"
    judge_rollout: bool = False
    consecutive: int = 3
    interval: float = 1.0
    timeout: float = 300.0

    def argv(
        self, env: str, sha: str, digest: str | None, judge: bool, timeout: float
    ) -> list[str]:
        namespace = self.namespace.format(env=env)
        argv = [
            "--expect-sha",
            sha,
            "-n",
            str(self.consecutive),
            "--interval",
            str(self.interval),
            "--timeout",
            str(timeout),
        ]
        if digest:
            argv += ["--expect-digest", digest]
        if self.url:
            argv += ["--url", self.url.format(env=env)]
        else:
            argv += ["--service", f"{namespace}/backend", "--kubectl", self.kubectl]
            argv += ["--kubeconfig", self.kubeconfig] if self.kubeconfig else []
            argv += ["--judge-rollout"] if judge and self.judge_rollout else []
        if self.status_url or (judge and self.judge_rollout and not self.url):
            argv += ["--deployment", f"{namespace}/backend"]
        if self.status_url:
            argv += ["--status-url", self.status_url]
        return argv


class Superseded:
    """Has a newer commit changed ENV's overlay since PROMOTION (on the remote, when
    pushing)? Asked while verify waits, at most every CHECK_EVERY_S."""

    def __init__(self, repo: Path, promotion: str, env: str, fetch: bool) -> None:
        self.repo, self.promotion, self.env, self.fetch = repo, promotion, env, fetch
        self.by = ""
        self._asked = 0.0

    def check(self) -> bool:
        ref = "HEAD"
        if self.fetch:
            run(self.repo, "fetch", "-q", "origin", "+refs/heads/main:refs/remotes/origin/main")
            ref = "origin/main"
        path = overlay_path(self.env)
        newer = run(self.repo, "log", "-1", "--format=%H", f"{self.promotion}..{ref}", "--", path)
        self.by = newer[:12]
        return bool(newer)

    def __call__(self) -> str | None:
        if time.monotonic() - self._asked < CHECK_EVERY_S:
            return None
        self._asked = time.monotonic()
        try:
            return f"{self.by} changed {self.env}'s overlay since" if self.check() else None
        except GitError:
            return None  # cannot tell now; ask again later


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def record(repo: Path, promotion: str, verdict: Verdict, at: datetime, run_url: str | None) -> None:
    line = format_record(record_for(repo, promotion, verdict, at, run_url))
    run(repo, "notes", "--ref", NOTES_REF, "append", "-m", line, promotion)
    say(f"recorded {verdict} on {promotion[:12]}")


def verify(
    repo: Path,
    promotion: str,
    target: Target,
    push: bool = False,
    run_url: str | None = None,
    after_push: Callable[[], None] | None = None,
    verify_main: Callable[[Sequence[str]], int] | None = None,
) -> int:
    """verify.yaml's sequence for PROMOTION; the exit code says how it ended."""
    if push:
        remote.sync(repo)
    try:
        found = record_for(repo, promotion, "verified", _now(), run_url)
    except GitError as exc:
        say(str(exc))
        return BAD_INPUT
    env = found.environment
    newer = Superseded(repo, promotion, env, push)

    def checker(since: Superseded) -> Callable[[Sequence[str]], int]:
        return verify_main or (lambda argv: verify_cli.main(list(argv), stop=since))

    check = checker(newer)
    say(f"verify {env}: {found.source_sha[:12]} ({(found.digest or 'no digest')[:19]}...)")
    code = check(target.argv(env, found.source_sha, found.digest, True, target.timeout))
    at = _now()
    if code == 0:
        record(repo, promotion, "verified", at, run_url)
        _push_records(repo, push)
        return VERIFIED
    if code == verify_cli.EXIT_STOPPED or (code in (1, 2, NOT_DELIVERED_CODE) and newer.check()):
        # Not this promotion's verdict to give: the newer one is verified next.
        say(f"{promotion[:12]} was superseded by {newer.by}; nothing reverted or recorded")
        return SUPERSEDED
    if code == NOT_DELIVERED_CODE:
        # GitOps never applied it (a controller or its source was down): no verdict yet.
        # Without a record, the plan's first rule verifies it again.
        say(f"{promotion[:12]} was not delivered to {env}; nothing reverted or recorded")
        return NOT_DELIVERED
    if code not in (1, 2):
        say(f"verify exited {code}: the request is wrong, not the rollout; nothing reverted")
        return BAD_INPUT
    record(repo, promotion, "failed", at, run_url)
    return _restore(repo, promotion, env, code, target, push, run_url, after_push, checker)


def _restore(
    repo: Path,
    promotion: str,
    env: str,
    code: int,
    target: Target,
    push: bool,
    run_url: str | None,
    after_push: Callable[[], None] | None,
    checker: Callable[[Superseded], Callable[[Sequence[str]], int]],
) -> int:
    """After a failed verify: revert, push, verify the previous version, record the restore."""
    try:
        result = rollback_cli.revert(repo, promotion, f"verify exit {code} on {env}")
    except GitError as exc:
        _push_records(repo, push)
        say(f"revert refused: {exc}")
        return NOT_RESTORED
    if push:
        remote.push_head(repo)
        say(f"pushed the revert {str(result['revert_commit'])[:12]}")
        _push_records(repo, push)
    if after_push:
        after_push()
    # What is in effect now: the newest promotion no revert names (an earlier revert too).
    now = read_states(repo, (env,))[0]
    previous, previous_sha, digest = now.promotion, now.source_sha, now.digests.get("backend")
    if previous is None or previous_sha is None:
        say("no earlier promotion to verify again")
        return NOT_RESTORED
    say(f"verify {env} again at the previous version {previous_sha[:12]}")
    # Superseded from now on means: a commit newer than the revert changed the overlay.
    revert = run(repo, "rev-parse", "HEAD")  # the revert, as pushed (maybe rebased)
    again = checker(Superseded(repo, revert, env, push))(
        target.argv(env, previous_sha, digest, False, target.timeout)
    )
    if again != 0:
        return NOT_RESTORED
    record(repo, previous, "verified", _now(), run_url)
    _push_records(repo, push)
    return RESTORED


def _push_records(repo: Path, push: bool) -> None:
    if push:
        remote.push_notes(repo)
