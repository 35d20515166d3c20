"""A real config repository with promotions, verification notes and reverts, written the
way promote, verify and rollback do (docs/specs/delivery-records.md), for the board's
delivery-panel tests.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

NOTES_REF = "deployments"


@dataclass(frozen=True)
class Promotion:
    """One promotion in a fixture history; times are relative to ``now``."""

    environment: str
    days_ago: float
    verdicts: tuple[str, ...] = ("verified",)  # records in its note, oldest first
    reverted: bool = False
    lead_hours: float = 2.0  # from the source commit to the promotion


def _git_env(at: datetime) -> dict[str, str]:
    stamp = f"{at:%Y-%m-%dT%H:%M:%S+0000}"
    return {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "CI",
        "GIT_AUTHOR_EMAIL": "ci@example.invalid",
        "GIT_COMMITTER_NAME": "CI",
        "GIT_COMMITTER_EMAIL": "ci@example.invalid",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }


def git_at(repo: Path, at: datetime, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        env=_git_env(at),
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return done.stdout.strip()


def _commit(repo: Path, at: datetime, path: str, content: str, message: str) -> str:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(content)
    git_at(repo, at, "add", "--", path)
    git_at(repo, at, "commit", "--quiet", "-m", message)
    return git_at(repo, at, "rev-parse", "HEAD")


def _rfc3339(at: datetime) -> str:
    return f"{at:%Y-%m-%dT%H:%M:%SZ}"


def build_history(repo: Path, promotions: list[Promotion], now: datetime) -> dict[int, str]:
    """Write the promotions (oldest first) into a new repository; return index -> commit."""
    repo.mkdir(parents=True, exist_ok=True)
    first = now - timedelta(days=max((p.days_ago for p in promotions), default=0) + 1)
    git_at(repo, first, "init", "--quiet", "-b", "main")
    _commit(repo, first, "README.md", "config repo\n", "initial")
    made: dict[int, str] = {}
    order = sorted(enumerate(promotions), key=lambda item: -item[1].days_ago)
    for index, p in order:
        at = now - timedelta(days=p.days_ago)
        source = _commit(
            repo,
            at - timedelta(hours=p.lead_hours),
            f"src/change-{index}.txt",
            f"change {index}\n",
            f"feat: change {index}",
        )
        overlay = f"k8s/overlays/{p.environment}/kustomization.yaml"
        message = (
            f"deploy({p.environment}): promote backend to {source[:12]}\n\n"
            f"Promoted by the pipeline.\n\nSource-Commit: {source}\n"
        )
        promotion = _commit(repo, at, overlay, f"digest: {source}\n", message)
        made[index] = promotion
        for n, verdict in enumerate(p.verdicts):
            record = {
                "schema": "deployment-record/v1",
                "environment": p.environment,
                "verdict": verdict,
                "at": _rfc3339(at + timedelta(minutes=5 + 10 * n)),
                "source_sha": source,
                "digest": None,
                "run": None,
            }
            verb = "add" if n == 0 else "append"
            git_at(
                repo,
                at,
                "notes",
                "--ref",
                NOTES_REF,
                verb,
                "-m",
                json.dumps(record, separators=(",", ":")),
                promotion,
            )
        if p.reverted:
            revert_at = at + timedelta(hours=1)
            message = (
                f"revert: deploy({p.environment}): promote backend to {source[:12]}\n\n"
                f"This reverts commit {promotion}.\n\nReason: drill\n"
                f"Reverts-Promotion: {promotion}\n"
            )
            _commit(repo, revert_at, overlay, "digest: previous\n", message)
    return made


def tree_state(repo: Path) -> dict[str, tuple[int, int]]:
    """Every file under the repository (.git included) with its size and mtime."""
    return {
        str(path.relative_to(repo)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in repo.rglob("*")
        if path.is_file()
    }
