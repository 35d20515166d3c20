"""Pushing to the config repository's remote, as CI and the local runner both do.

A push that loses a race (another job pushed first) is retried after a rebase for the
branch, and after a union merge for the records (``cat_sort_uniq``: a record is one
line, so merging never loses or doubles one). With ``GH_TOKEN`` set (CI), git
authenticates through an ``http.extraheader`` given in git's environment
(``GIT_CONFIG_COUNT``): never on a command line, never printed, masked in the log.
"""

from __future__ import annotations

import base64
import os
import sys
import time
from pathlib import Path

from delivery.git import GitError, run
from delivery.records import NOTES_REF

ATTEMPTS = 3
_REMOTE_NOTES = "refs/notes/deployments-remote"


def authenticate_from_env(environ: dict[str, str] | None = None) -> bool:
    """Give git the token in GH_TOKEN (if set) for every later git command."""
    env = os.environ if environ is None else environ
    token = env.get("GH_TOKEN", "")
    if not token:
        return False
    auth = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    if env.get("GITHUB_ACTIONS") == "true":
        sys.stdout.write(f"::add-mask::{auth}\n")
    count = int(env.get("GIT_CONFIG_COUNT", "0") or "0")
    env[f"GIT_CONFIG_KEY_{count}"] = "http.extraheader"
    env[f"GIT_CONFIG_VALUE_{count}"] = f"AUTHORIZATION: basic {auth}"
    env["GIT_CONFIG_COUNT"] = str(count + 1)
    return True


def push_head(repo: Path, branch: str = "main", remote: str = "origin") -> None:
    """Push HEAD to BRANCH; when refused, rebase on the remote's and try again."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            run(repo, "push", "-q", remote, f"HEAD:refs/heads/{branch}")
            return
        except GitError:
            if attempt == ATTEMPTS:
                raise
        run(repo, "pull", "-q", "--rebase", remote, branch)
        time.sleep(attempt * 0.5)


def push_notes(repo: Path, remote: str = "origin") -> None:
    """Push the records; when refused, merge the remote's (union of lines) and retry."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            run(repo, "push", "-q", remote, NOTES_REF)
            return
        except GitError:
            if attempt == ATTEMPTS:
                raise
        merge_notes(repo, remote)


def merge_notes(repo: Path, remote: str = "origin") -> None:
    """Merge the remote's records into the clone's (a union of lines: none lost or doubled);
    take them as they are when the clone has none. None on the remote yet: nothing to do."""
    try:
        run(repo, "fetch", "-q", remote, f"+{NOTES_REF}:{_REMOTE_NOTES}")
    except GitError:
        return  # no records yet: the first one creates the ref
    try:
        run(repo, "rev-parse", "-q", "--verify", NOTES_REF)
    except GitError:
        run(repo, "update-ref", NOTES_REF, _REMOTE_NOTES)
        return
    run(repo, "notes", "--ref", "deployments", "merge", "-q", "-s", "cat_sort_uniq", _REMOTE_NOTES)


def sync(repo: Path, branch: str = "main", remote: str = "origin") -> None:
    """Bring a clean work clone to the remote's BRANCH, and merge the remote's records
    into the clone's (a record written here but not pushed yet is kept)."""
    run(repo, "fetch", "-q", remote, f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}")
    run(repo, "reset", "-q", "--hard", f"{remote}/{branch}")
    merge_notes(repo, remote)
