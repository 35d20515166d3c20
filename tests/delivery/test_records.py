"""Record format v1: what is written, what is read, and what is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from delivery.records import Record, RecordError, format_record, format_time, parse_note, parse_time

COMMIT = "0123456789abcdef0123456789abcdef01234567"
SOURCE = "c" * 40
DIGEST = "sha256:" + "2" * 64
RECORD = Record(
    "dev", "verified", datetime(2026, 12, 1, 15, 4, 5, tzinfo=UTC), SOURCE, DIGEST, "https://ci/1"
)


def line(**changes: object) -> str:
    doc: dict[str, object] = json.loads(format_record(RECORD))
    for key, value in changes.items():
        if value is ...:
            del doc[key]
        else:
            doc[key] = value
    return json.dumps(doc)


def test_a_record_is_one_json_line_in_the_spec_order() -> None:
    assert format_record(RECORD) == (
        '{"schema": "deployment-record/v1", "environment": "dev", "verdict": "verified", '
        f'"at": "2026-12-01T15:04:05Z", "source_sha": "{SOURCE}", "digest": "{DIGEST}", '
        '"run": "https://ci/1"}'
    )


def test_what_is_written_reads_back() -> None:
    failed = Record("prod", "failed", RECORD.at, SOURCE, None, None)
    text = format_record(RECORD) + "\n\n" + format_record(failed) + "\n"
    assert parse_note(text, COMMIT) == [RECORD, failed]


def test_extra_fields_are_ignored_and_null_may_be_omitted() -> None:
    text = line(digest=..., run=..., retries=3)
    assert parse_note(text, COMMIT) == [Record("dev", "verified", RECORD.at, SOURCE, None, None)]


def test_times_in_any_offset_are_read_as_utc() -> None:
    [record] = parse_note(line(at="2026-12-01T17:04:05.25+02:00"), COMMIT)
    assert record.at == RECORD.at + timedelta(microseconds=250000)
    assert record.at.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "line 1: not JSON (Expecting property name enclosed in double quotes"),
        ("[1, 2]", "line 1: not a JSON object"),
        (line(schema="deployment-record/v2"), "unknown schema 'deployment-record/v2'"),
        (line(schema=...), "missing field 'schema'"),
        (line(environment=...), "missing field 'environment'"),
        (line(environment=""), "field 'environment' must be a non-empty string"),
        (line(verdict="passed"), "field 'verdict' must be 'verified' or 'failed', not 'passed'"),
        (line(at=...), "missing field 'at'"),
        (line(at="2026-12-01T15:04:05"), "field 'at': not an RFC 3339 timestamp with a time zone"),
        (line(at="2026-12-01"), "field 'at': not an RFC 3339 timestamp"),
        (line(at=1764601445), "field 'at' must be a non-empty string, not 1764601445"),
        (line(source_sha="abc"), "field 'source_sha' must be 40 lowercase hex, not 'abc'"),
        (line(digest="sha256:abc"), "field 'digest' must be sha256:<64 hex> or null"),
        (line(run=7), "field 'run' must be a non-empty string or null, not 7"),
    ],
)
def test_a_line_that_is_not_a_v1_record_is_refused(text: str, problem: str) -> None:
    with pytest.raises(RecordError) as caught:
        parse_note(text, COMMIT)
    message = str(caught.value)
    assert message.startswith(f"note on {COMMIT[:12]}, line 1: ")
    assert problem in message


def test_the_line_number_counts_blank_lines() -> None:
    text = format_record(RECORD) + "\n\n" + format_record(RECORD) + "\n\n{broken\n"
    with pytest.raises(RecordError, match=r"^note on 0123456789ab, line 5: not JSON"):
        parse_note(text, COMMIT)


def test_an_empty_note_has_no_records() -> None:
    assert parse_note("\n\n", COMMIT) == []


def test_the_environment_must_be_the_promotions() -> None:
    assert parse_note(format_record(RECORD), COMMIT, environment="dev") == [RECORD]
    with pytest.raises(RecordError, match="line 1: record for environment 'dev' on a promotion"):
        parse_note(format_record(RECORD), COMMIT, environment="prod")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-01T15:04:05Z", datetime(2026, 12, 1, 15, 4, 5, tzinfo=UTC)),
        ("2026-12-01t15:04:05z", datetime(2026, 12, 1, 15, 4, 5, tzinfo=UTC)),
        ("2026-12-01T10:04:05-05:00", datetime(2026, 12, 1, 15, 4, 5, tzinfo=UTC)),
        ("2026-12-01T15:04:05.123456789Z", datetime(2026, 12, 1, 15, 4, 5, 123456, tzinfo=UTC)),
    ],
)
def test_rfc3339_times(value: str, expected: datetime) -> None:
    assert parse_time(value) == expected


@pytest.mark.parametrize("value", ["2026-12-01", "20261201T150405Z", "2026-12-01 15:04:05Z", ""])
def test_not_rfc3339(value: str) -> None:
    with pytest.raises(ValueError, match="not an RFC 3339 timestamp"):
        parse_time(value)


def test_an_impossible_time_is_refused() -> None:
    with pytest.raises(ValueError, match=r"not a valid time: '2026-13-01T00:00:00Z' \(month"):
        parse_time("2026-13-01T00:00:00Z")


def test_times_are_written_in_utc_with_z() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert format_time(datetime(2026, 12, 1, 17, 4, 5, tzinfo=plus_two)) == "2026-12-01T15:04:05Z"
    assert format_time(datetime(2026, 12, 1, 15, 4, 5, 500, tzinfo=UTC)) == (
        "2026-12-01T15:04:05.000500Z"
    )
