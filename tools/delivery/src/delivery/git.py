"""The git side of promotion: one commit that touches only the overlay."""

from __future__ import annotations

import subprocess
from pathlib import Path


class GitError(RuntimeError):
    pass


def run(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise GitError(f"git {' '.join(args)}: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout.strip()


def toplevel(path: Path) -> Path:
    return Path(run(path, "rev-parse", "--show-toplevel"))


def commit_paths(repo: Path, paths: list[Path], message: str) -> str:
    """Commit exactly ``paths`` (other staged or dirty files stay out) and return the SHA."""
    relative = [str(p.relative_to(repo)) for p in paths]
    run(repo, "add", "--", *relative)
    run(repo, "commit", "--quiet", "-m", message, "--", *relative)
    return run(repo, "rev-parse", "HEAD")
