from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.backend.support import AUTH, ClientFactory


def test_healthz_is_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"


def test_readyz_lists_checks_when_ready(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {c["name"]: c["ok"] for c in body["checks"]} == {
        "startup": True,
        "drain": True,
        "operator": True,
    }


def test_readyz_is_503_while_starting(make_client: ClientFactory) -> None:
    client = make_client(startup_delay_seconds=30)
    response = client.get("/readyz")
    assert response.status_code == 503
    failing = [c for c in response.json()["checks"] if not c["ok"]]
    assert failing == [{"name": "startup", "ok": False, "message": "start-up in progress"}]
    assert client.get("/healthz").status_code == 200


def test_readyz_is_503_while_draining_but_healthz_stays_200(client: TestClient) -> None:
    client.app.state.runtime.lifecycle.begin_drain()  # type: ignore[attr-defined]
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200


def _after_first_check(client: TestClient, url: str, within: float = 10.0) -> Any:
    """Poll /readyz until the dependency's check holds a real result, not "not checked yet"."""
    deadline = time.monotonic() + within
    while True:
        response = client.get("/readyz")
        check = response.json()["checks"][-1]
        assert check["name"] == f"dependency:{url}"
        if check["message"] != "not checked yet":
            return response
        assert time.monotonic() < deadline, f"{url} was never checked"
        time.sleep(0.02)


def test_readyz_fails_on_unreachable_dependency(make_client: ClientFactory) -> None:
    client = make_client(readiness_urls="http://127.0.0.1:9/healthz")
    response = _after_first_check(client, "http://127.0.0.1:9/healthz")
    assert response.status_code == 503
    check = response.json()["checks"][-1]
    assert check["name"] == "dependency:http://127.0.0.1:9/healthz"
    assert check["ok"] is False
    assert check["message"].startswith("ConnectError")


def test_readyz_and_logs_never_show_a_dependency_urls_credentials(
    make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="backend.readiness_checks")
    url = "http://probe:s3cret@127.0.0.1:9/healthz?token=t0ken"
    client = make_client(readiness_urls=url)
    response = _after_first_check(client, "http://***@127.0.0.1:9/healthz?token=***")
    assert "s3cret" not in response.text
    assert "t0ken" not in response.text
    logged = " ".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    assert "127.0.0.1:9/healthz" in logged
    assert "s3cret" not in logged
    assert "t0ken" not in logged


class _Dependency:
    """A real HTTP server on loopback that answers 200 only once the test lets it."""

    def __init__(self) -> None:
        self.answer = threading.Event()
        self.paths: list[str] = []
        dependency = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                dependency.paths.append(self.path)
                dependency.answer.wait(timeout=30)
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass  # the test's output is the assertions, not an access log

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/healthz"


@pytest.fixture
def dependency() -> Iterator[_Dependency]:
    dependency = _Dependency()
    thread = threading.Thread(target=dependency.server.serve_forever, daemon=True)
    thread.start()
    yield dependency
    dependency.answer.set()
    dependency.server.shutdown()
    dependency.server.server_close()
    thread.join(timeout=5)


def test_readyz_turns_200_only_after_a_reachable_dependency_answered(
    make_client: ClientFactory, dependency: _Dependency
) -> None:
    client = make_client(readiness_urls=dependency.url, readiness_check_timeout_seconds=30)
    before = client.get("/readyz")
    assert before.status_code == 503
    assert before.json()["checks"][-1] == {
        "name": f"dependency:{dependency.url}",
        "ok": False,
        "message": "not checked yet",
    }
    dependency.answer.set()
    response = _after_first_check(client, dependency.url)
    assert response.status_code == 200
    check = response.json()["checks"][-1]
    assert check["ok"] is True
    assert re.fullmatch(r"HTTP 200 in \d+ ms", check["message"])
    assert "/healthz" in dependency.paths


def test_operator_can_disable_and_enable_readiness(drill_client: TestClient) -> None:
    assert (
        drill_client.patch("/faults", json={"readiness_disabled": True}, headers=AUTH).status_code
        == 200
    )
    response = drill_client.get("/readyz")
    assert response.status_code == 503
    assert {
        "name": "operator",
        "ok": False,
        "message": "disabled by an operator",
    } in response.json()["checks"]
    drill_client.patch("/faults", json={"readiness_disabled": False}, headers=AUTH)
    assert drill_client.get("/readyz").status_code == 200


def test_liveness_drill_fails_healthz_only(drill_client: TestClient) -> None:
    drill_client.patch("/faults", json={"liveness_failing": True}, headers=AUTH)
    response = drill_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "failing"
    assert drill_client.get("/readyz").status_code == 200
    drill_client.delete("/faults", headers=AUTH)
    assert drill_client.get("/healthz").status_code == 200
