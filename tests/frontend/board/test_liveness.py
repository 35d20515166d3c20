"""Liveness from the board's own machinery: the change feed's beat and the build in progress."""

from __future__ import annotations

import json

import pytest

from frontend.board.liveness import OK, liveness

BOUND = 60.0
NOW = 1_000.0


@pytest.mark.parametrize(
    ("case", "beat", "build_since", "status", "detail"),
    [
        ("not started yet", None, None, 200, "serving"),
        ("beat just now", NOW - 0.2, None, 200, "serving"),
        ("beat at the bound", NOW - BOUND, None, 200, "serving"),
        ("a build running a while", NOW, NOW - 5, 200, "serving"),
        (
            "feed stopped",
            NOW - 61,
            None,
            503,
            "the change feed has not moved for 61 s (bound 60 s)",
        ),
        (
            "build hung",
            NOW,
            NOW - 125,
            503,
            "a board build has run for 125 s (bound 60 s)",
        ),
        (
            "both",
            NOW - 90,
            NOW - 90,
            503,
            "the change feed has not moved for 90 s; a board build has run for 90 s (bound 60 s)",
        ),
    ],
)
def test_liveness(
    case: str, beat: float | None, build_since: float | None, status: int, detail: str
) -> None:
    code, body = liveness(beat, build_since, BOUND, NOW)

    assert (code, json.loads(body)["detail"]) == (status, detail), case


def test_liveness_ok_is_the_documented_body() -> None:
    assert OK == (200, b'{"status":"ok","detail":"serving"}')
