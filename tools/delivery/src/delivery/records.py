"""Verification records, format v1: one JSON line each in a promotion's git note.

The format is docs/specs/delivery-records.md. A reader refuses what it cannot
trust (unknown schema, bad JSON, a missing or invalid field) rather than guess,
and names the commit and the line so a human can fix the note.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from delivery.arguments import DIGEST, SHA

SCHEMA = "deployment-record/v1"
NOTES_REF = "refs/notes/deployments"
Verdict = Literal["verified", "failed"]
VERDICTS: tuple[Verdict, ...] = ("verified", "failed")
# RFC 3339 proper: fromisoformat alone also takes ISO 8601 forms (basic format,
# date only, no zone) that the spec does not allow.
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$"
)


class RecordError(ValueError):
    """A note line that is not a v1 record; the message names commit and line."""


@dataclass(frozen=True)
class Record:
    environment: str
    verdict: Verdict
    at: datetime  # UTC, timezone-aware
    source_sha: str
    digest: str | None
    run: str | None


def parse_time(value: str) -> datetime:
    """An RFC 3339 timestamp (any offset) as an aware UTC datetime; ValueError if not."""
    if not _RFC3339.fullmatch(value):
        raise ValueError(f"not an RFC 3339 timestamp with a time zone: {value!r}")
    try:
        # Python 3.11's fromisoformat truncates fractions past microseconds, as wanted.
        return datetime.fromisoformat(value.replace("z", "Z")).astimezone(UTC)
    except ValueError as exc:  # well-formed but impossible, e.g. month 13
        raise ValueError(f"not a valid time: {value!r} ({exc})") from None


def format_time(at: datetime) -> str:
    """RFC 3339 in UTC with a Z, to the second unless there is a fraction."""
    spec = "microseconds" if at.microsecond else "seconds"
    return at.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")


def format_record(record: Record) -> str:
    """One JSON line, keys in the spec's order, no line break."""
    return json.dumps(
        {
            "schema": SCHEMA,
            "environment": record.environment,
            "verdict": record.verdict,
            "at": format_time(record.at),
            "source_sha": record.source_sha,
            "digest": record.digest,
            "run": record.run,
        },
        ensure_ascii=False,
    )


def _string(doc: dict[str, Any], key: str) -> str:
    if key not in doc:
        raise ValueError(f"missing field {key!r}")
    value = doc[key]
    if not isinstance(value, str) or not value:
        raise ValueError(f"field {key!r} must be a non-empty string, not {value!r}")
    return value


def _optional(doc: dict[str, Any], key: str) -> str | None:
    # Omitted and null mean the same, so a writer may leave out what it does not know.
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ValueError(f"field {key!r} must be a non-empty string or null, not {value!r}")
    return value


def _record(line: str) -> Record:
    try:
        doc = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(doc, dict):
        raise ValueError(f"not a JSON object: {line[:40]!r}")
    schema = _string(doc, "schema")
    if schema != SCHEMA:
        raise ValueError(f"unknown schema {schema!r} (this reader knows {SCHEMA!r})")
    verdict = _string(doc, "verdict")
    if verdict not in VERDICTS:
        raise ValueError(f"field 'verdict' must be 'verified' or 'failed', not {verdict!r}")
    source_sha = _string(doc, "source_sha")
    if not SHA.fullmatch(source_sha):
        raise ValueError(f"field 'source_sha' must be 40 lowercase hex, not {source_sha!r}")
    digest = _optional(doc, "digest")
    if digest is not None and not DIGEST.fullmatch(digest):
        raise ValueError(f"field 'digest' must be sha256:<64 hex> or null, not {digest!r}")
    try:
        at = parse_time(_string(doc, "at"))
    except ValueError as exc:
        raise ValueError(f"field 'at': {exc}") from None
    return Record(
        environment=_string(doc, "environment"),
        verdict=verdict,
        at=at,
        source_sha=source_sha,
        digest=digest,
        run=_optional(doc, "run"),
    )


def parse_note(text: str, commit: str, *, environment: str | None = None) -> list[Record]:
    """Every record in one note, in line order; blank lines are skipped.

    ``git notes append`` puts a blank line between records, so line numbers count
    every line of the note as ``git notes show`` prints it. With ``environment``,
    a record for another environment is refused too (the spec says they match).
    """
    records: list[Record] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = _record(line.strip())
            if environment is not None and record.environment != environment:
                raise ValueError(
                    f"record for environment {record.environment!r} "
                    f"on a promotion to {environment!r}"
                )
        except ValueError as exc:
            raise RecordError(f"note on {commit[:12]}, line {number}: {exc}") from None
        records.append(record)
    return records
