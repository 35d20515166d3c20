"""verify's network side through httpx's real transport seam: what counts as /meta."""

from __future__ import annotations

import httpx
import pytest

from delivery.convergence import Answer, refused
from delivery.verify_network import fetch_meta

URL = "http://backend.dev.svc:8080/meta"
SHA = "a" * 40
DIGEST = "sha256:" + "d" * 64


def _answer(response: httpx.Response) -> Answer:
    with httpx.Client(transport=httpx.MockTransport(lambda _: response)) as client:
        return fetch_meta(client, URL)


@pytest.mark.parametrize(
    ("case", "response", "answer"),
    [
        (
            "a /meta document",
            httpx.Response(
                200,
                json={
                    "git_sha": SHA,
                    "image": {"digest": DIGEST},
                    "version": "1.2.0",
                    "ready": True,
                },
            ),
            Answer(URL, 200, SHA, DIGEST, "1.2.0", True),
        ),
        (
            "a /meta document of a build without a baked SHA",
            httpx.Response(200, json={"git_sha": None, "image": None}),
            Answer(URL, 200),
        ),
        (
            "the health check's JSON",
            httpx.Response(200, json={"status": "ok", "detail": "serving"}),
            Answer(URL, 200, not_meta="application/json, JSON without git_sha"),
        ),
        (
            "a JSON list",
            httpx.Response(200, json=[{"git_sha": SHA}]),
            Answer(URL, 200, not_meta="application/json, JSON without git_sha"),
        ),
        (
            "an HTML page",
            httpx.Response(200, html="<!doctype html><title>board</title>"),
            Answer(URL, 200, not_meta="text/html; charset=utf-8, not JSON"),
        ),
        (
            "no content type at all",
            httpx.Response(200, content=b"\x00\x01"),
            Answer(URL, 200, not_meta="no content type, not JSON"),
        ),
        ("a 503 while draining", httpx.Response(503, json={"git_sha": SHA}), Answer(URL, 503)),
    ],
)
def test_fetch_meta_tells_meta_from_anything_else(
    case: str, response: httpx.Response, answer: Answer
) -> None:
    assert _answer(response) == answer, case


def test_only_an_answer_that_is_not_meta_is_refused_among_the_200s() -> None:
    meta = _answer(httpx.Response(200, json={"git_sha": SHA}))
    page = _answer(httpx.Response(200, html="<p>hi</p>"))

    assert (refused(meta), refused(page)) == (False, True)
    assert page.label() == "HTTP 200 text/html; charset=utf-8, not JSON"


def test_a_transport_error_is_an_unreachable_answer() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with httpx.Client(transport=httpx.MockTransport(fail)) as client:
        answer = fetch_meta(client, URL)

    assert answer == Answer(URL, error="ConnectError: connection refused")
    assert not answer.reachable
