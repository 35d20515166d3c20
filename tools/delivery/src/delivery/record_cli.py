"""delivery-record: append one verification record to a promotion's git note.

The environment and source SHA come from the promotion commit, the backend's
digest from the overlay it wrote, so a record cannot disagree with what was
promoted. The line goes under refs/notes/deployments (format v1,
docs/specs/delivery-records.md) with ``git notes append``; pushing the notes ref
is the caller's job. Prints the line.

Exit codes:
  0  recorded
  3  bad input (the message names the argument), or not a git repository
  4  not a promotion commit, or git refused the note
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from delivery.arguments import EXIT_BAD_INPUT, Parser, git_sha
from delivery.git import GitError, run, toplevel
from delivery.history import SUBJECT, TRAILERS_FORMAT, trailers
from delivery.metrics_cli import instant
from delivery.overlay import OverlayError, read_digests
from delivery.records import NOTES_REF, VERDICTS, Record, Verdict, format_record

EXIT_OK, EXIT_REFUSED = 0, 4
EPILOG = "exit codes: 0 recorded, 3 bad input or not a git repository, 4 refused"


def _one_line(value: str) -> str:
    if not value.strip() or "\n" in value or "\r" in value:
        raise argparse.ArgumentTypeError(f"must be one non-empty line: {value!r}")
    return value.strip()


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="delivery-record",
        description="Append a verification record to a promotion commit's git note.",
        epilog=EPILOG,
    )
    parser.add_argument(
        "--repo", type=Path, default=Path(), help="the config repository (default: .)"
    )
    parser.add_argument(
        "--promotion", type=git_sha, required=True, help="the promotion commit verified"
    )
    parser.add_argument("--verdict", choices=VERDICTS, required=True, help="verify's outcome")
    parser.add_argument("--run", type=_one_line, help="where verify ran (CI run URL)")
    parser.add_argument(
        "--at", type=instant, metavar="RFC3339", help="when verify finished (default: now)"
    )
    return parser


def record_for(
    repo: Path, promotion: str, verdict: Verdict, at: datetime, run_url: str | None
) -> Record:
    """The record for ``promotion``, derived from the commit; GitError if not a promotion."""
    try:
        fields = run(
            repo,
            "log",
            "-1",
            f"--format=%s%x1f{TRAILERS_FORMAT}",
            f"{promotion}^{{commit}}",
            "--",
        )
    except GitError:
        raise GitError(f"{promotion[:12]} is not a commit in {repo}") from None
    # The same reading as delivery-metrics': what it would count is what takes records.
    subject, _, trailer_text = fields.partition("\x1f")
    match = SUBJECT.match(subject)
    source, _ = trailers(trailer_text)
    if match is None or source is None:
        raise GitError(f"{promotion[:12]} is not a promotion commit (subject: {subject!r})")
    env = match.group("env")
    digest: str | None = None
    for path in run(repo, "show", "--name-only", "--format=", promotion).splitlines():
        if path.endswith("kustomization.yaml"):
            text = run(repo, "show", f"{promotion}:{path}")
            digest = digest or read_digests(text, path).get("backend")
    return Record(env, verdict, at, source, digest, run_url)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    at: datetime = args.at or datetime.now(UTC).replace(microsecond=0)
    try:
        repo = toplevel(args.repo.resolve())
    except GitError:
        sys.stderr.write(f"delivery-record: {args.repo}: not a git repository\n")
        return EXIT_BAD_INPUT
    try:
        record = record_for(repo, args.promotion, cast(Verdict, args.verdict), at, args.run)
        line = format_record(record)
        run(repo, "notes", "--ref", NOTES_REF, "append", "-m", line, args.promotion)
    except (GitError, OverlayError) as exc:
        sys.stderr.write(f"delivery-record: {exc}\n")
        return EXIT_REFUSED
    sys.stdout.write(line + "\n")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
