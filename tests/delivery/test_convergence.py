from __future__ import annotations

import pytest

from delivery.convergence import Answer, Expected, Outcome, Tracker, matches

NEW, OLD = "b" * 40, "a" * 40
DIGEST = "sha256:" + "d" * 64


def ok(sha: str = NEW, digest: str | None = DIGEST, ready: bool = True) -> Answer:
    return Answer("t", status=200, git_sha=sha, image_digest=digest, version="v", ready=ready)


@pytest.mark.parametrize(
    ("case", "answer", "expected", "result"),
    [
        ("sha matches", ok(), Expected(NEW), True),
        ("sha and digest match", ok(), Expected(NEW, DIGEST), True),
        ("digest differs", ok(digest="sha256:" + "e" * 64), Expected(NEW, DIGEST), False),
        ("old sha", ok(OLD), Expected(NEW), False),
        ("not ready (draining)", ok(ready=False), Expected(NEW), False),
        ("http 503", Answer("t", status=503), Expected(NEW), False),
        ("connection refused", Answer("t", error="ConnectError"), Expected(NEW), False),
    ],
)
def test_what_counts_as_a_match(
    case: str, answer: Answer, expected: Expected, result: bool
) -> None:
    assert matches(answer, expected) is result, case


@pytest.mark.parametrize(
    ("case", "polls", "outcome", "consecutive"),
    [
        ("n in a row", [[ok()], [ok()], [ok()]], Outcome.CONVERGED, 3),
        ("streak broken by old", [[ok()], [ok(OLD)], [ok()], [ok()]], Outcome.MISMATCH, 2),
        ("mixed endpoints", [[ok(), ok(OLD)]] * 3, Outcome.MISMATCH, 0),
        ("all endpoints new", [[ok(), ok()]] * 3, Outcome.CONVERGED, 3),
        ("no endpoints", [[]] * 3, Outcome.UNREACHABLE, 0),
        (
            "unreachable at the end",
            [[ok(OLD)], [Answer("t", error="refused")]],
            Outcome.UNREACHABLE,
            0,
        ),
        ("503 at the end", [[ok()], [Answer("t", status=503)]], Outcome.MISMATCH, 0),
        (
            "404 from every target",
            [[Answer("a", status=404), Answer("b", status=401)]],
            Outcome.MISCONFIGURED,
            0,
        ),
        (
            "a 200 that is not /meta from every target",
            [[Answer("a", status=200, not_meta="text/html, not JSON")]],
            Outcome.MISCONFIGURED,
            0,
        ),
        ("404 from one target only", [[Answer("a", status=404), ok(OLD)]], Outcome.MISMATCH, 0),
        ("429 is worth a retry", [[Answer("a", status=429)]], Outcome.MISMATCH, 0),
        ("408 is worth a retry", [[Answer("a", status=408)]], Outcome.MISMATCH, 0),
        (
            "404 then served",
            [[Answer("a", status=404)], [ok()], [ok()], [ok()]],
            Outcome.CONVERGED,
            3,
        ),
    ],
)
def test_tracker_outcomes(
    case: str, polls: list[list[Answer]], outcome: Outcome, consecutive: int
) -> None:
    tracker = Tracker(Expected(NEW), required=3)
    for answers in polls:
        tracker.record(tuple(answers))
    assert tracker.outcome() is outcome, case
    assert tracker.consecutive == consecutive
    assert tracker.polls == len(polls)


def test_labels_summarise_versions_seen() -> None:
    tracker = Tracker(Expected(NEW), required=2)
    tracker.record((ok(OLD), ok(NEW, ready=False), Answer("t", status=503)))
    assert tracker.seen == {"aaaaaaaaaaaa (v)": 1, "bbbbbbbbbbbb (v, not ready)": 1, "HTTP 503": 1}
