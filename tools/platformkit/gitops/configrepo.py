"""The config repository: a bare repository served to Flux (the forge), and the work
clone the pipeline commits in.

Seeded from this checkout's ``k8s/`` (one commit). Promotions, rollbacks and delivery
records are the pipeline's own console scripts (``promote``, ``rollback``,
``delivery-record``), run in the work clone and pushed to the bare repository on disk,
as CI pushes to the forge; any other change is a commit of edited files. Nothing here
applies a manifest: Flux (or Argo CD) delivers what is pushed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from delivery.git import run as git
from delivery.overlay import read_digests
from delivery.pipeline import remote
from delivery.pipeline.state import overlay_path
from tools.platformkit.gitops.gitserver import seed_clone
from tools.platformkit.paths import REPO_ROOT
from tools.platformkit.processes import run_pipeline

PIPELINE_AUTHOR = ("local-pipeline", "pipeline@gitops-platform.invalid")


class PipelineError(RuntimeError):
    """A promote, rollback or record command refused; the message is its own."""


@dataclass
class ConfigRepo:
    remote: Path  # the bare repository the git server serves
    work: Path  # the clone the pipeline commits in
    env: str = "dev"  # the environment promotions go to
    image: str = "backend"  # the image name listed under the overlay's images:

    @classmethod
    def seed(
        cls,
        remote: Path,
        work: Path,
        author: tuple[str, str] = PIPELINE_AUTHOR,
        message: str = "chore: seed the config repository from k8s/",
    ) -> ConfigRepo:
        """Clone the (empty) bare REMOTE into WORK, commit this checkout's k8s/, push."""
        seed_clone(remote, work, REPO_ROOT / "k8s", author, message)
        repo = cls(remote, work)
        repo.push()
        return repo

    @property
    def overlay(self) -> str:
        return overlay_path(self.env)

    @property
    def _promotion_prefix(self) -> str:
        return f"deploy({self.env}): promote"

    def push(self) -> str:
        """Push HEAD to main; when another writer (the pipeline runner) pushed first,
        rebase on theirs and push again, as the pipeline's own pushes do."""
        remote.push_head(self.work)
        return self.head()

    def sync(self) -> None:
        """The remote's main and records, before a command acts on what they say."""
        remote.sync(self.work)

    def head(self) -> str:
        return git(self.work, "rev-parse", "HEAD")

    def log(self, fmt: str, commit: str = "HEAD") -> str:
        """``git log -1 --format=FMT COMMIT`` in the work clone."""
        return git(self.work, "log", "-1", f"--format={fmt}", commit)

    def subject(self, commit: str = "HEAD") -> str:
        return self.log("%s", commit)

    def commit(self, message: str, edit: Callable[[Path], None]) -> str:
        """EDIT changes files under the work clone; every change is committed and pushed."""
        edit(self.work)
        git(self.work, "add", "-A")
        git(self.work, "commit", "-qm", message)
        return self.push()

    def git_revert(self, sha: str) -> str:
        """``git revert`` of one commit, pushed: the fix for a commit that is not a
        promotion (a promotion is undone with ``rollback``)."""
        git(self.work, "revert", "--no-edit", sha)
        return self.push()

    def promote(self, digest: str, source_sha: str) -> str:
        """The promotion commit (promote.yaml's step), pushed; returns its SHA."""
        self._pipeline(
            "promote", "--repo", str(self.work), "--env", self.env,
            "--image", f"{self.image}={digest}", "--source-sha", source_sha,
        )  # fmt: skip
        return self.push()

    def rollback(self, promotion: str, reason: str) -> str:
        """The rollback commit for PROMOTION (the pipeline's revert step), pushed."""
        self._pipeline(
            "rollback", "--repo", str(self.work), "--promotion", promotion, "--reason", reason
        )
        return self.push()

    def record(self, promotion: str, verdict: str) -> None:
        """verify.yaml's record of an outcome, a git note on the promotion, pushed
        (docs/specs/delivery-records.md); the board's delivery panel reads it."""
        self._pipeline(
            "delivery-record", "--repo", str(self.work), "--promotion", promotion,
            "--verdict", verdict,
        )  # fmt: skip
        remote.push_notes(self.work)

    def _pipeline(self, command: str, *args: str) -> None:
        result = run_pipeline(command, *args)
        if result.returncode != 0:
            raise PipelineError(result.stderr.strip())

    def promotion_of(self, digest: str) -> str | None:
        """The newest promotion that set DIGEST: what serves, after a rollback too."""
        for commit in git(self.work, "log", "--format=%H", "--", self.overlay).split():
            promoted = self.subject(commit).startswith(self._promotion_prefix)
            if promoted and self.digest(commit) == digest:
                return commit
        return None

    def last_promotion(self) -> str | None:
        """HEAD if it is a promotion commit (what `make revert` rolls back), else None."""
        return self.head() if self.subject().startswith(self._promotion_prefix) else None

    def digest(self, commit: str = "HEAD") -> str | None:
        text = git(self.work, "show", f"{commit}:{self.overlay}")
        return read_digests(text, self.overlay).get(self.image)

    def digest_history(self, limit: int = 50) -> list[str]:
        """The image's digest at each commit that changed the overlay, newest first."""
        commits = git(self.work, "log", f"-{limit}", "--format=%H", "--", self.overlay).split()
        found = (self.digest(commit) for commit in commits)
        return [digest for digest in found if digest]
