"""delivery-metrics: DORA's four keys per environment, computed from git alone.

Reads the promotions, their verification records (git notes under
refs/notes/deployments) and their reverts from the config repository's history;
see docs/specs/delivery-records.md for the record format and the definitions.

Exit codes:
  0  printed
  1  no promotion at all in the window (the empty report is still printed)
  3  bad input (the message names the argument), or not a git repository
  4  a note that is not in the v1 record format (the message names commit and line)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from delivery import dora, metrics_render
from delivery.arguments import EXIT_BAD_INPUT, Parser, environment
from delivery.history import HistoryError, read_history
from delivery.records import RecordError, parse_time

EXIT_OK, EXIT_NO_DEPLOYMENT, EXIT_BAD_RECORD = 0, 1, 4
_SPAN = re.compile(r"^(?P<count>[1-9][0-9]{0,4})(?P<unit>[hdw])$")  # 99999w: 1,900 years
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
EPILOG = """\
exit codes:
  0  printed
  1  no promotion at all in the window (the empty report is still printed)
  3  bad input, or not a git repository
  4  a note that is not in the v1 record format (names the commit and line)
"""


def span(value: str) -> timedelta:
    match = _SPAN.fullmatch(value)
    if match is None:
        raise argparse.ArgumentTypeError(
            f"must be a positive whole number of hours, days or weeks (12h, 30d, 4w): {value!r}"
        )
    return int(match.group("count")) * _UNITS[match.group("unit")]


def instant(value: str) -> datetime:
    try:
        return parse_time(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="delivery-metrics",
        description="DORA's four keys per environment, from the config repository's history.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--repo", type=Path, default=Path(), help="the config repository (default: .)"
    )
    parser.add_argument(
        "--source-repo",
        type=Path,
        help="where the source commits are, for lead time (default: the config repository)",
    )
    parser.add_argument(
        "--since",
        type=span,
        default=timedelta(days=30),
        metavar="SPAN",
        help="window length before --until: Nh, Nd or Nw (default: 30d)",
    )
    parser.add_argument(
        "--until",
        type=instant,
        metavar="RFC3339",
        help="window end (exclusive), e.g. 2026-12-01T00:00:00Z; default: now",
    )
    parser.add_argument(
        "--env",
        type=environment,
        action="append",
        metavar="ENV",
        help="report this environment only (repeatable; default: every one promoted to)",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="write delivery-metrics/v1 JSON")
    output.add_argument("--markdown", action="store_true", help="write a Markdown table")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Rounded up: a record written this second (records are to the second) is in.
    now = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    until: datetime = args.until or now
    try:
        since = until - args.since
    except OverflowError:
        parser.error(f"--since: {args.since.days} days before --until is before the year 1")
    try:
        history = read_history(args.repo, args.source_repo)
    except HistoryError as exc:
        sys.stderr.write(f"delivery-metrics: {exc}\n")
        return EXIT_BAD_INPUT
    except RecordError as exc:
        sys.stderr.write(f"delivery-metrics: {exc}\n")
        return EXIT_BAD_RECORD
    report = dora.compute(history, since, until, args.env)
    if args.json:
        sys.stdout.write(json.dumps(metrics_render.as_json(report), indent=2) + "\n")
    elif args.markdown:
        sys.stdout.write(metrics_render.markdown(report))
    else:
        sys.stdout.write(metrics_render.text(report))
    if not report.events:
        where = ", ".join(args.env) if args.env else "any environment"
        sys.stderr.write(
            f"delivery-metrics: no promotion to {where} between "
            f"{since:%Y-%m-%d %H:%M} and {until:%Y-%m-%d %H:%M} UTC\n"
        )
        return EXIT_NO_DEPLOYMENT
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
