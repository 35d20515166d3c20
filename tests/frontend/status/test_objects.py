"""Typed reads of API JSON: Go's zero values wherever a field is missing or malformed."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from frontend.status.objects import (
    controlled_by,
    deleting,
    go_quote,
    number,
    optional_number,
    parse_int64,
    revision,
    timestamp,
)

Obj = dict[str, Any]


def _annotated(value: object) -> Obj:
    return {"metadata": {"annotations": {"deployment.kubernetes.io/revision": value}}}


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(_annotated("7"), 7, id="number"),
        pytest.param(_annotated("+7"), 7, id="signed"),
        pytest.param(_annotated("007"), 7, id="leading-zeros"),
        pytest.param(_annotated(" 7"), 0, id="space-is-malformed"),
        pytest.param(_annotated("7_0"), 0, id="underscore-is-malformed"),
        pytest.param(_annotated("\u0667"), 0, id="non-ascii-digit-is-malformed"),
        pytest.param(_annotated("9223372036854775808"), 0, id="over-int64-is-malformed"),
        pytest.param(_annotated(""), 0, id="empty"),
        pytest.param(_annotated("seven"), 0, id="malformed"),
        pytest.param(_annotated(7), 0, id="not-a-string"),
        pytest.param({}, 0, id="missing"),
    ],
)
def test_revision_reads_the_annotation_as_go_would(obj: Obj, expected: int) -> None:
    assert revision(obj) == expected


@pytest.mark.parametrize(
    ("value", "optional", "zero"),
    [
        pytest.param(3, 3, 3, id="int"),
        pytest.param(None, None, 0, id="null"),
        pytest.param(True, None, 0, id="bool-is-not-an-int32"),
        pytest.param("3", None, 0, id="string"),
    ],
)
def test_numbers_read_nil_and_zero_like_go(value: object, optional: int | None, zero: int) -> None:
    obj = {"spec": {"replicas": value}}

    assert (optional_number(obj, "spec", "replicas"), number(obj, "spec", "replicas")) == (
        optional,
        zero,
    )


def _owned_by(**ref: object) -> Obj:
    return {"metadata": {"ownerReferences": [{"kind": "Deployment", **ref}]}}


OWNER = {"metadata": {"name": "web", "uid": "uid-web"}}
OWNER_WITHOUT_UID = {"metadata": {"name": "web"}}


@pytest.mark.parametrize(
    ("child", "owner", "expected"),
    [
        pytest.param(_owned_by(uid="uid-web", controller=True), OWNER, True, id="by-uid"),
        pytest.param(
            _owned_by(uid="uid-other", name="web", controller=True),
            OWNER,
            False,
            id="same-name-other-uid",
        ),
        pytest.param(_owned_by(uid="uid-web"), OWNER, False, id="owner-but-not-controller"),
        pytest.param({}, OWNER, False, id="no-owner-references"),
        pytest.param(
            _owned_by(name="web", controller=True),
            OWNER_WITHOUT_UID,
            True,
            id="name-fallback-for-an-owner-without-uid",
        ),
        pytest.param(_owned_by(name="web", controller=True), {}, False, id="owner-without-name"),
    ],
)
def test_controlled_by_follows_the_controller_reference(
    child: Obj, owner: Obj, expected: bool
) -> None:
    assert controlled_by(child, owner) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("2026-03-01T12:00:00Z", datetime(2026, 3, 1, 12, tzinfo=UTC), id="rfc3339"),
        pytest.param(
            "2026-03-01T12:00:00", datetime(2026, 3, 1, 12, tzinfo=UTC), id="naive-is-utc"
        ),
        pytest.param("yesterday", None, id="unparsable"),
        pytest.param("", None, id="empty"),
        pytest.param("0001-01-01T00:00:00Z", None, id="go-zero-time-is-unset"),
        pytest.param(None, None, id="unset"),
    ],
)
def test_timestamp_parses_api_times_as_aware_datetimes(
    value: object, expected: datetime | None
) -> None:
    assert timestamp(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("9223372036854775807", 9223372036854775807, id="int64-max"),
        pytest.param("-9223372036854775808", -9223372036854775808, id="int64-min"),
        pytest.param("-0", 0, id="minus-zero"),
    ],
)
def test_parse_int64_accepts_what_go_accepts(value: str, expected: int) -> None:
    assert parse_int64(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("", 'strconv.ParseInt: parsing "": invalid syntax', id="empty"),
        pytest.param("+", 'strconv.ParseInt: parsing "+": invalid syntax', id="sign-only"),
        pytest.param(" 3", 'strconv.ParseInt: parsing " 3": invalid syntax', id="space"),
        pytest.param("3_0", 'strconv.ParseInt: parsing "3_0": invalid syntax', id="underscore"),
        pytest.param(
            "9223372036854775808",
            'strconv.ParseInt: parsing "9223372036854775808": value out of range',
            id="overflow",
        ),
    ],
)
def test_parse_int64_fails_with_gos_message(value: str, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        parse_int64(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("web", '"web"', id="plain"),
        pytest.param('a"b\\c', '"a\\"b\\\\c"', id="quote-and-backslash"),
        pytest.param("é ü", '"é ü"', id="printable-unicode-kept"),
        pytest.param("\n\t\x01\x7f", '"\\n\\t\\x01\\x7f"', id="ascii-controls"),
        pytest.param("\u00a0\u2028", '"\\u00a0\\u2028"', id="unicode-spaces-escaped"),
        pytest.param("\U000e0001", '"\\U000e0001"', id="astral-format-char"),
    ],
)
def test_go_quote_quotes_as_strconv_quote(value: str, expected: str) -> None:
    assert go_quote(value) == expected


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        pytest.param("2026-03-01T12:00:00Z", True, id="set"),
        pytest.param("0001-01-01T00:00:00Z", False, id="go-zero-time"),
        pytest.param(None, False, id="unset"),
    ],
)
def test_deleting_reads_the_deletion_time_as_unstructured_does(
    stamp: str | None, expected: bool
) -> None:
    assert deleting({"metadata": {"deletionTimestamp": stamp}}) is expected
