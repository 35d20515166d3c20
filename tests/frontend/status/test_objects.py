"""Typed reads of API JSON: Go's zero values wherever a field is missing or malformed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from frontend.status.objects import controlled_by, number, optional_number, revision, timestamp

Obj = dict[str, Any]


def _annotated(value: object) -> Obj:
    return {"metadata": {"annotations": {"deployment.kubernetes.io/revision": value}}}


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(_annotated("7"), 7, id="number"),
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
        pytest.param(None, None, id="unset"),
    ],
)
def test_timestamp_parses_api_times_as_aware_datetimes(
    value: object, expected: datetime | None
) -> None:
    assert timestamp(value) == expected
