"""``make promote-good|promote-bad|revert|verify|platform-status``: drive the running platform.

Each one finds the platform through ``current.json`` (tools.localplatform.rundir),
commits in its work clone with the pipeline's own commands, pushes to the bare
repository, asks Flux to fetch now (``reconcile.fluxcd.io/requestedAt``, as
``flux reconcile source git`` does), then follows the board until it shows the
outcome, printing each change. Ctrl-C stops the following, not the platform.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from functools import cached_property
from pathlib import Path

import httpx

from tools.localplatform import dev_board, rundir, versions
from tools.localplatform.console import Console
from tools.platformkit.board import status as board_status
from tools.platformkit.gitops import bootstrap
from tools.platformkit.gitops.configrepo import ConfigRepo, PipelineError
from tools.platformkit.gitops.flux import Flux
from tools.platformkit.kube import Kube
from tools.platformkit.processes import run_pipeline

Done = Callable[[dev_board.DevView], bool]


class Session:
    def __init__(self) -> None:
        self.info = rundir.load()
        os.environ["KUBECACHEDIR"] = str(Path(self.info.state_dir) / "kube-cache")
        self.repo = ConfigRepo(Path(self.info.remote), Path(self.info.work_clone))
        self.repo.sync()  # the pipeline runner pushes too
        kube = Kube(self.info.kubectl, Path(self.info.kubeconfig))
        state = Path(self.info.state_dir) / "flux"
        self.flux = Flux(kube, self.info.server, Path(self.info.ca_file), state)
        self.say = Console("pipeline")

    @cached_property
    def releases(self) -> versions.Releases:
        """The backend versions the running platform published (their real digests)."""
        try:
            return versions.Releases.load(Path(self.info.state_dir))
        except FileNotFoundError:
            raise rundir.NotRunningError(
                f"the running platform published no backend images "
                f"({Path(self.info.state_dir) / versions.RELEASES_FILE} is missing)"
            ) from None

    def fetch_now(self, commit: str) -> None:
        self.flux.reconcile("GitRepository", bootstrap.SOURCE_NAME)
        self.say.say(
            f"pushed {commit[:12]}; asked Flux to fetch now (GitRepository "
            f"{bootstrap.SOURCE_NAME}, reconcile.fluxcd.io/requestedAt)"
        )

    def view(self) -> dev_board.DevView | None:
        return dev_board.dev_view(board_status(self.info.board_url), self.info.namespace)

    def follow(self, what: str, done: Done, timeout: float) -> int:
        """Print each change the board shows until DONE; 0 when reached, 1 on timeout."""
        self.say.say(f"following the board at {self.info.board_url}/ until {what}")
        deadline, last = time.monotonic() + timeout, ""
        try:
            while time.monotonic() < deadline:
                try:
                    view = self.view()
                except httpx.HTTPError as exc:
                    view, line = None, f"board not answering: {exc}"
                else:
                    line = view.line() if view else "board: no backend card yet"
                if line != last:
                    self.say.say(line)
                    last = line
                if view is not None and done(view):
                    self.say.say(f"board: {what} ({self.say.elapsed():.1f}s)")
                    return 0
                time.sleep(0.3)
        except KeyboardInterrupt:
            self.say.say("stopped following; the platform keeps running")
            return 130
        self.say.say(f"board: not {what} after {timeout:.0f}s")
        return 1

    def serves(self, version: versions.Release, commit: str) -> Done:
        def done(view: dev_board.DevView) -> bool:
            serving_ok = view.serving == (version.label,) or not self.info.real_node
            return (
                view.health == "Healthy" and view.done and view.flux_at(commit)
                and view.digest == version.digest and serving_ok
            )  # fmt: skip

        return done


def promote(kind: str, follow: bool = True) -> int:
    s = Session()
    releases = s.releases
    current = releases.by_digest(s.repo.digest())
    version = releases.next_good(s.repo.digest_history()) if kind == "good" else releases.bad
    if current == version:
        s.say.say(f"dev already runs {version.label}; nothing to promote")
        return 0
    s.say.say(f"promote: dev {current.label if current else '?'} -> {version.label} "
              f"(digest {version.digest[:19]}..., source {version.sha[:12]})")  # fmt: skip
    commit = s.repo.promote(version.digest, version.sha)
    s.say.say(f"commit {commit[:12]}: {s.repo.subject()}")
    s.fetch_now(commit)
    deadline = s.info.progress_deadline_s
    if version.good:
        s.say.say("expect: Flux applies it, the backend card goes Progressing, new pods start "
                  f"and answer {version.label}, old pods drain; then Healthy")  # fmt: skip
        healthy = s.serves(version, commit)
        return s.follow(f"Healthy at {version.label}", healthy, 120) if follow else 0
    if not s.info.real_node:
        s.say.say("expect: Healthy anyway. Without the real node kwok marks every pod Ready, "
                  "so a broken version cannot fail here (see `make run`'s NOTE)")  # fmt: skip
        return s.follow("Healthy (kwok's fakes)", lambda v: v.digest == version.digest and
                        v.health == "Healthy", 120) if follow else 0  # fmt: skip
    s.say.say(f"expect: new pods start but never get ready (their readiness dependency never "
              f"answers); the old version keeps serving; after the {deadline}s progress "
              "deadline the card turns Degraded; then the pipeline runner reverts it")  # fmt: skip
    return s.follow("Degraded", lambda v: v.health == "Degraded", deadline + 90) if follow else 0


def revert(
    reason: str = "make revert: the board showed the rollout failing", s: Session | None = None
) -> int:
    s = s or Session()
    promotion = s.repo.last_promotion()
    if promotion is None:
        s.say.say(f"nothing to revert: HEAD is not a dev promotion ({s.repo.subject()!r})")
        return 1
    try:
        commit = s.repo.rollback(promotion, reason)
    except PipelineError as exc:
        s.say.say(f"rollback refused: {exc}")
        return 4
    back = s.releases.by_digest(s.repo.digest())
    label = back.label if back else "the previous digest"
    s.say.say(f"commit {commit[:12]}: {s.repo.subject()} (back to {label})")
    s.fetch_now(commit)
    s.say.say("expect: Flux applies the revert, the broken pods are replaced, Healthy again")
    if back is None:
        return s.follow("Healthy", lambda v: v.health == "Healthy" and v.flux_at(commit), 120)
    return s.follow(f"Healthy at {label}", s.serves(back, commit), 120)


def verify() -> int:
    """The pipeline's verify step against what serves; on exit 1 it reverts, like the pipeline,
    and checks the previous version answers again. Each outcome is recorded in git."""
    s = Session()
    version = s.releases.by_digest(s.repo.digest())
    if version is None:
        s.say.say("dev's digest is none of the local versions; nothing to verify against")
        return 3
    # A rollout is judged by its progress deadline: wait that long after the promotion, no more.
    age = time.time() - int(s.repo.log("%ct"))
    code = _verify(s, version, max(10, round(s.info.progress_deadline_s + 15 - age)))
    if code in (0, 1):
        _record(s, version, "verified" if code == 0 else "failed")
    if code == 0:
        s.say.say(f"verify: dev serves {version.label}; nothing to do")
        return 0
    if code != 1:
        s.say.say(f"verify: exit {code} (2: nothing answered; is the real node running?)")
        return code
    s.say.say("verify: exit 1, so the pipeline reverts the promotion")
    reverted = revert(reason=f"make verify: verify exit {code}", s=s)
    back = s.releases.by_digest(s.repo.digest())
    if reverted != 0 or back is None:
        return reverted
    s.say.say(f"verify: the previous version, {back.label}, must answer again")
    again = _verify(s, back, 60)
    if again == 0:
        _record(s, back, "verified")
    return again


def _verify(s: Session, version: versions.Release, timeout: int) -> int:
    info = s.info
    s.say.say(f"verify: every ready endpoint of {info.namespace}/backend must answer "
              f"{version.label} ({version.sha[:12]}) and the board must say Healthy, "
              f"within {timeout}s")  # fmt: skip
    argv = [
        sys.executable, "-m", "delivery.verify_cli", "--service", f"{info.namespace}/backend",
        "--port", "8080", "--kubeconfig", info.kubeconfig, "--kubectl", info.kubectl,
        "--expect-sha", version.sha, "--expect-digest", version.digest,
        "--status-url", f"{info.board_url}/api/v1/status",
        "--deployment", f"{info.namespace}/backend", "-n", "3", "--interval", "0.5",
        "--timeout", str(timeout),
    ]  # fmt: skip
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    for line in result.stderr.strip().splitlines()[-3:]:  # the last poll, board, result
        s.say.say(line)
    return result.returncode


def _record(s: Session, version: versions.Release, verdict: str) -> None:
    promotion = s.repo.promotion_of(version.digest)
    if promotion is None:
        s.say.say(f"no promotion of {version.label} in the history; nothing recorded")
        return
    try:
        s.repo.record(promotion, verdict)
    except PipelineError as exc:
        s.say.say(f"recording the outcome failed: {exc}")
        return
    s.say.say(f"recorded: {verdict} on {promotion[:12]} (git notes, refs/notes/deployments)")


def status() -> int:
    s = Session()
    view = s.view()
    commit = s.repo.head()
    s.say.say(f"config repo HEAD {commit[:12]}: {s.repo.subject()}")
    s.say.say(view.line() if view else "the board shows no backend card yet")
    return 0


def promote_prod() -> int:
    """The manual gate before prod (``make run PROD_GATE=manual``): the pipeline's own
    promote step, from staging's verified version; the runner then verifies it."""
    s = Session()
    result = run_pipeline("pipeline", "promote", "--repo", str(s.repo.work), "--env", "prod",
                          "--from", "staging", "--push")  # fmt: skip
    s.say.say(result.stderr.strip() or "prod already runs what staging verified")
    return result.returncode
