"""The deployment history, read from git: promotions, their records and their reverts.

Two git processes at most, whatever the history's length: one ``git log`` over the
config history (subjects, committer dates, trailers and the ``deployments`` notes in
one pass) and one ``git log --no-walk --stdin`` for the committer dates of source
commits that pass did not see (none when, as in this monorepo, the sources are in
the same history). A process per commit would take minutes on 10,000 promotions.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from delivery.arguments import SHA
from delivery.records import NOTES_REF, Record, parse_note

SUBJECT = re.compile(r"^deploy\((?P<env>[a-z0-9][a-z0-9-]*)\): ")
_FIELDS = 5  # sha, committer time, subject, trailers, note
# Unit separator between fields, record separator between trailers, NUL (-z) between
# commits: none can appear in a subject, a trailer or a JSON line; the note comes
# last so nothing follows it. All trailers in one placeholder: two key= filters made
# git itself twice as slow on 20,000 commits.
TRAILERS_FORMAT = "%(trailers:only,unfold,separator=%x1e)"
_FORMAT = "%x1f".join(("%H", "%ct", "%s", TRAILERS_FORMAT, "%N"))
_SOURCE_KEY, _REVERTS_KEY = "source-commit", "reverts-promotion"
_NO_COMMITS = ("does not have any commits yet", "bad revision 'HEAD'")


class HistoryError(RuntimeError):
    """The history cannot be read (not a git repository, git failed)."""


class _GitFailed(HistoryError):
    pass


@dataclass(frozen=True)
class Promotion:
    sha: str
    environment: str
    committed_at: datetime
    source_sha: str
    source_committed_at: datetime | None  # None: the source commit is not in the repo
    records: tuple[Record, ...]  # ordered by their time, not by line
    reverted_by: str | None  # the first revert commit naming this promotion
    reverted_at: datetime | None


class _Commit(NamedTuple):
    """A commit with a trailer (a plain tuple: 20,000 dataclasses cost a tenth of a second)."""

    sha: str
    seconds: int  # committer date
    subject: str
    source: str | None
    reverts: str | None
    note: str


def _git(repo: Path, args: list[str], stdin: bytes | None = None) -> bytes:
    # stderr to a file, so that without input communicate() is one plain read of
    # stdout rather than a poll loop over two pipes (megabytes on a long history).
    with tempfile.TemporaryFile() as errors:
        try:
            result = subprocess.run(
                ["git", "-C", str(repo), *args],
                input=stdin,
                stdout=subprocess.PIPE,
                stderr=errors,
                check=False,
            )
        except OSError as exc:  # git itself missing
            raise HistoryError(f"cannot run git: {exc}") from exc
        errors.seek(0)
        stderr = errors.read()
    if result.returncode != 0:
        message = stderr.decode(errors="replace").strip()
        if "not a git repository" in message or "cannot change to" in message:
            raise HistoryError(f"{repo}: not a git repository")
        raise _GitFailed(message)
    return result.stdout


def trailers(text: str) -> tuple[str | None, str | None]:
    """The Source-Commit and Reverts-Promotion SHAs in ``TRAILERS_FORMAT`` output."""
    source = reverts = None
    if not text:
        return None, None  # most commits: skipped cheaply, 20,000 times on a long history
    for trailer in text.split("\x1e"):
        key, _, value = trailer.partition(":")
        key, value = key.strip().lower(), value.strip()  # git matches keys case-blind
        # A repeated trailer is a hand edit; the first well-formed one is what promote wrote.
        if key == _SOURCE_KEY and source is None and SHA.fullmatch(value):
            source = value
        elif key == _REVERTS_KEY and reverts is None and SHA.fullmatch(value):
            reverts = value
    return source, reverts


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)


def _log(repo: Path) -> tuple[list[_Commit], dict[str, int]]:
    """Commits with a Source-Commit or Reverts-Promotion trailer, oldest first, and
    the committer date (unix seconds) of every commit in the history."""
    args = [
        "-c",
        "log.showSignature=false",
        "log",
        "-z",
        "--reverse",
        "--no-color",
        "--no-notes",
        f"--notes={NOTES_REF}",
        f"--format={_FORMAT}",
        "HEAD",
        "--",
    ]
    try:
        output = _git(repo, args)
    except _GitFailed as exc:
        if any(marker in str(exc) for marker in _NO_COMMITS):
            return [], {}  # a repository with no commits has no history yet
        raise HistoryError(f"{repo}: git log: {exc}") from None
    commits: list[_Commit] = []
    seconds_of: dict[str, int] = {}
    for entry in output.decode(errors="replace").split("\0"):
        fields = entry.split("\x1f", _FIELDS - 1)
        if len(fields) != _FIELDS:
            continue  # the empty tail after the last NUL
        sha, seconds, subject, trailer_text, note = fields
        when = seconds_of[sha] = int(seconds)
        source, reverts = trailers(trailer_text)
        if source or reverts:  # the rest (source commits, merges) only need their date
            commits.append(_Commit(sha, when, subject, source, reverts, note))
    return commits, seconds_of


def _committer_times(repo: Path, shas: list[str]) -> dict[str, int]:
    """Committer date of every SHA that is a commit in ``repo``; the rest are left out."""
    if not shas:
        return {}
    # --ignore-missing: a source commit that is not here (a shallow clone, another
    # repository) is skipped, as are trees and blobs, instead of failing the lot.
    args = ["log", "--no-walk=unsorted", "--ignore-missing", "--stdin", "--format=%H %ct"]
    try:
        output = _git(repo, args, ("\n".join(shas) + "\n").encode())
    except _GitFailed as exc:
        raise HistoryError(f"{repo}: git log --stdin: {exc}") from None
    times: dict[str, int] = {}
    for line in output.decode().splitlines():
        sha, _, seconds = line.partition(" ")
        times[sha] = int(seconds)
    return times


def read_history(repo: Path, source_repo: Path | None = None) -> list[Promotion]:
    """Every promotion reachable from HEAD, oldest first (by committer date).

    ``source_repo`` is where the source commits live; by default the config
    repository itself, as in this monorepo. Raises ``HistoryError`` when either is
    not a git repository and ``RecordError`` for a note that is not v1 records.
    """
    commits, seconds_of = _log(repo)
    reverts: dict[str, _Commit] = {}
    promotions: list[tuple[_Commit, str, tuple[Record, ...]]] = []
    for commit in commits:
        if commit.reverts is not None:
            earlier = reverts.get(commit.reverts)
            # Reverted twice (a re-promotion reverted again is a new promotion, so this
            # is a hand-made duplicate): the first revert is when it was undone.
            if earlier is None or commit.seconds < earlier.seconds:
                reverts[commit.reverts] = commit
        match = SUBJECT.match(commit.subject)
        if match is None or commit.source is None:
            continue
        env = match.group("env")
        records = parse_note(commit.note, commit.sha, environment=env)
        # A notes merge (cat_sort_uniq) sorts lines, so line order is not time order.
        ordered = tuple(sorted(records, key=lambda record: record.at))
        promotions.append((commit, env, ordered))
    sources = sorted({str(commit.source) for commit, _, _ in promotions})
    if source_repo is None:
        # Source and config share a history here: most source commits were in the log.
        times = seconds_of
        times.update(_committer_times(repo, [sha for sha in sources if sha not in times]))
    else:
        times = _committer_times(source_repo, sources)
    history: list[Promotion] = []
    for commit, env, ordered in promotions:
        source_seconds = times.get(str(commit.source))
        revert = reverts.get(commit.sha)
        history.append(
            Promotion(
                sha=commit.sha,
                environment=env,
                committed_at=_at(commit.seconds),
                source_sha=str(commit.source),
                source_committed_at=None if source_seconds is None else _at(source_seconds),
                records=ordered,
                reverted_by=None if revert is None else revert.sha,
                reverted_at=None if revert is None else _at(revert.seconds),
            )
        )
    history.sort(key=lambda promotion: promotion.committed_at)  # stable: log order on ties
    return history
