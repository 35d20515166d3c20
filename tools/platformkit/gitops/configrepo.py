"""The config repository: a bare repository served to Flux, and the work clone CI commits in.

Seeded from this checkout's ``k8s/`` (one commit), then version 1.0.0 is promoted with
the real ``promote`` command, so the first thing Flux delivers already has a digest the
pod runner knows and ``/meta`` answers with real values. Promotions and reverts are the
pipeline's own console scripts (``promote``, ``rollback``, ``delivery-record``), run in
the work clone and pushed to the bare repository on disk, as CI pushes to the forge.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from delivery.git import run as git
from delivery.overlay import read_digests
from tools.localplatform.versions import IMAGE, Version
from tools.platformkit.gitops.gitserver import seed_clone
from tools.platformkit.paths import REPO_ROOT
from tools.platformkit.processes import run_pipeline

ENV = "dev"
OVERLAY = f"k8s/overlays/{ENV}/kustomization.yaml"
PROMOTION_PREFIX = f"deploy({ENV}): "


class PipelineError(RuntimeError):
    """A promote or rollback command refused; the message is its own."""


@dataclass
class ConfigRepo:
    remote: Path  # the bare repository the git server serves
    work: Path  # the clone the pipeline commits in

    @classmethod
    def seed(cls, remote: Path, work: Path, first: Version) -> ConfigRepo:
        """Clone the (empty) bare REMOTE into WORK, commit k8s/, promote FIRST, push."""
        author = ("local-pipeline", "pipeline@gitops-platform.invalid")
        message = "chore: seed the config repository from k8s/"
        seed_clone(remote, work, REPO_ROOT / "k8s", author, message)
        repo = cls(remote, work)
        repo.promote(first)
        return repo

    def push(self) -> str:
        git(self.work, "push", "-q", "origin", "HEAD:main")
        return self.head()

    def head(self) -> str:
        return git(self.work, "rev-parse", "HEAD")

    def log(self, fmt: str, commit: str = "HEAD") -> str:
        """``git log -1 --format=FMT COMMIT`` in the work clone."""
        return git(self.work, "log", "-1", f"--format={fmt}", commit)

    def subject(self, commit: str = "HEAD") -> str:
        return self.log("%s", commit)

    def promote(self, version: Version) -> str:
        """The promotion commit (promote.yaml's step), pushed; returns its SHA."""
        result = run_pipeline(
            "promote", "--repo", str(self.work), "--env", ENV,
            "--image", f"{IMAGE}={version.digest}", "--source-sha", version.sha,
        )  # fmt: skip
        if result.returncode != 0:
            raise PipelineError(result.stderr.strip())
        return self.push()

    def revert(self, promotion: str, reason: str) -> str:
        """The rollback commit for PROMOTION (the pipeline's revert step), pushed."""
        result = run_pipeline(
            "rollback", "--repo", str(self.work), "--promotion", promotion, "--reason", reason
        )
        if result.returncode != 0:
            raise PipelineError(result.stderr.strip())
        return self.push()

    def promotion_of(self, digest: str) -> str | None:
        """The newest dev promotion that set DIGEST: what serves, after a revert too."""
        for commit in git(self.work, "log", "--format=%H", "--", OVERLAY).split():
            promoted = self.subject(commit).startswith(PROMOTION_PREFIX + "promote")
            if promoted and self.digest(commit) == digest:
                return commit
        return None

    def record(self, promotion: str, verdict: str) -> None:
        """verify.yaml's record of an outcome, a git note on the promotion, pushed
        (docs/specs/delivery-records.md); the board's delivery panel reads it."""
        result = run_pipeline(
            "delivery-record", "--repo", str(self.work), "--promotion", promotion,
            "--verdict", verdict,
        )  # fmt: skip
        if result.returncode != 0:
            raise PipelineError(result.stderr.strip())
        git(self.work, "push", "-q", "origin", "refs/notes/deployments")

    def last_promotion(self) -> str | None:
        """HEAD if it is a promotion commit of dev (what `make revert` reverts), else None."""
        return self.head() if self.subject().startswith(PROMOTION_PREFIX + "promote") else None

    def digest(self, commit: str = "HEAD") -> str | None:
        text = git(self.work, "show", f"{commit}:{OVERLAY}")
        return read_digests(text, OVERLAY).get(IMAGE)

    def digest_history(self, limit: int = 50) -> list[str]:
        """The backend digest at each commit that changed the dev overlay, newest first."""
        commits = git(self.work, "log", f"-{limit}", "--format=%H", "--", OVERLAY).split()
        found = (self.digest(commit) for commit in commits)
        return [digest for digest in found if digest]
