from __future__ import annotations

import pytest

from servicekit.errors import error_payload


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            (404, "no route", "abc"),
            {"status": 404, "code": "not_found", "message": "no route", "request_id": "abc"},
        ),
        ((405, "nope", None), {"status": 405, "code": "method_not_allowed", "message": "nope"}),
        ((418, "teapot", None), {"status": 418, "code": "error", "message": "teapot"}),
    ],
)
def test_error_body_shape(args: tuple[int, str, str | None], expected: dict[str, object]) -> None:
    assert error_payload(*args) == {"error": expected}


def test_extra_fields_follow_the_request_id() -> None:
    body = error_payload(422, "bad", "r", fields=[{"field": "body.x", "message": "m"}])["error"]
    assert list(body) == ["status", "code", "message", "request_id", "fields"]
