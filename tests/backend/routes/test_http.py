"""HTTP semantics shared by every route: errors, headers, limits."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.backend.support import AUTH, ClientFactory
from tests.support.constants import SHA_A


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/nope", 404, "not_found"),
        ("POST", "/healthz", 405, "method_not_allowed"),
        ("DELETE", "/meta", 405, "method_not_allowed"),
        ("PUT", "/readyz", 405, "method_not_allowed"),
    ],
)
def test_errors_have_real_codes_and_json_bodies(
    client: TestClient, method: str, path: str, status: int, code: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["status"] == status
    assert error["code"] == code
    assert path in error["message"]
    assert error["request_id"] == response.headers["x-request-id"]


def test_every_response_carries_the_build_sha(client: TestClient) -> None:
    for path in ("/healthz", "/readyz", "/meta", "/metrics", "/nope"):
        assert client.get(path).headers["x-build-sha"] == SHA_A


def test_unknown_sha_header_says_unknown(make_client: object) -> None:
    client = make_client()  # type: ignore[operator]
    assert client.get("/healthz").headers["x-build-sha"] == "unknown"


def test_valid_request_id_is_echoed_and_bad_one_replaced(client: TestClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "ci-run-42"}).headers["x-request-id"]
        == "ci-run-42"
    )
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"}).headers[
        "x-request-id"
    ]
    assert replaced != "bad id <script>"
    assert len(replaced) == 32


def test_declared_oversized_body_is_413(drill_client: TestClient) -> None:
    response = drill_client.patch(
        "/faults",
        content=b"{" + b" " * 70_000 + b"}",
        headers={**AUTH, "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_streamed_oversized_body_is_413(drill_client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b" " * 1024

    response = drill_client.patch(
        "/faults", content=chunks(), headers={**AUTH, "content-type": "application/json"}
    )
    assert response.status_code == 413


def test_malformed_json_is_422_not_500(drill_client: TestClient) -> None:
    response = drill_client.patch(
        "/faults", content=b"{not json", headers={**AUTH, "content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_access_log_line_carries_route_status_and_request_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="backend.access")
    client.get("/meta", headers={"X-Request-ID": "ci-run-7"})
    (record,) = [r for r in caplog.records if r.name == "backend.access"]
    assert (record.method, record.route, record.status, record.request_id) == (  # type: ignore[attr-defined]
        "GET",
        "/meta",
        200,
        "ci-run-7",
    )


@pytest.mark.parametrize("path", ["/meta/", "/healthz/", "/faults/"])
def test_trailing_slash_paths_are_404_not_redirects(drill_client: TestClient, path: str) -> None:
    response = drill_client.get(path, headers={"host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 404
    assert "location" not in response.headers


def test_swagger_ui_only_when_enabled(make_client: ClientFactory) -> None:
    assert make_client().get("/docs").status_code == 404
    assert make_client(docs_enabled=True).get("/docs").status_code == 200
    assert make_client().get("/openapi.json").status_code == 200
