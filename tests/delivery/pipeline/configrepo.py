"""A real config repository for the pipeline's tests: dev, staging and prod overlays
pinning backend and frontend by digest, a bare origin, and work clones of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from delivery.git import GitError
from delivery.git import run as git
from delivery.records import NOTES_REF, Record, Verdict, format_record

ENVS = ("dev", "staging", "prod")
OVERLAY = """\
# {env}: promotion rewrites only the digest lines below
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: gitops-platform-{env}
resources:
  - ../../base
images:
  - name: backend
    newName: ghcr.io/example-org/gitops-platform-backend
    digest: {digest}
  - name: frontend
    newName: ghcr.io/example-org/gitops-platform-frontend
    digest: {digest}
"""


def digest(char: str) -> str:
    return "sha256:" + char * 64


def source(char: str) -> str:
    return char * 40


INITIAL = digest("0")
AT = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Config:
    work: Path  # a work clone of origin, as CI's checkout
    origin: Path  # the bare remote


def identify(repo: Path) -> Path:
    git(repo, "config", "user.name", "CI")
    git(repo, "config", "user.email", "ci@example.invalid")
    return repo


def clone(origin: Path, path: Path) -> Path:
    git(origin, "clone", "-q", str(origin), str(path))
    return identify(path)


def make_config(root: Path) -> Config:
    seed = root / "seed"
    seed.mkdir()
    git(seed, "init", "-q", "-b", "main")
    identify(seed)
    for env in ENVS:
        overlay = seed / "k8s/overlays" / env
        overlay.mkdir(parents=True)
        (overlay / "kustomization.yaml").write_text(OVERLAY.format(env=env, digest=INITIAL))
    (seed / "README.md").write_text("config repo\n")
    git(seed, "add", "-A")
    git(seed, "commit", "-qm", "initial")
    origin = root / "origin.git"
    git(root, "clone", "-q", "--bare", str(seed), str(origin))
    return Config(work=clone(origin, root / "work"), origin=origin)


def note_lines(repo: Path, commit: str) -> list[str]:
    """The record lines in COMMIT's note ([] without one)."""
    try:
        text = git(repo, "notes", "--ref", NOTES_REF, "show", commit)
    except GitError:
        return []
    return [line for line in text.splitlines() if line]  # append separates with a blank


def record_line(
    env: str, verdict: Verdict, source_sha: str, backend: str, at: datetime = AT
) -> str:
    return format_record(Record(env, verdict, at, source_sha, backend, None))


def add_record(repo: Path, commit: str, line: str) -> None:
    git(repo, "notes", "--ref", NOTES_REF, "append", "-m", line, commit)


def head(repo: Path, ref: str = "HEAD") -> str:
    return git(repo, "rev-parse", ref)
