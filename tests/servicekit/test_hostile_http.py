"""Both services, as real processes, against requests a proxy or an attacker may send.

Raw sockets, because an HTTP client library refuses to send most of these.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import time
from collections.abc import Callable

import httpx
import pytest

from tools.platformkit.processes import ServiceProcess, backend_process, frontend_process

pytestmark = pytest.mark.process

# Short, so a slow head meets it within the test; the default is 20 s.
HEAD_TIMEOUT = 2.0
SERVICES: dict[str, Callable[[], ServiceProcess]] = {
    "backend": lambda: backend_process(
        {"BACKEND_LOG_LEVEL": "warning", "BACKEND_HEAD_TIMEOUT_SECONDS": str(HEAD_TIMEOUT)}
    ),
    "frontend": lambda: frontend_process(
        {"FRONTEND_LOG_LEVEL": "warning", "FRONTEND_HEAD_TIMEOUT_SECONDS": str(HEAD_TIMEOUT)}
    ),
}


@pytest.fixture(params=sorted(SERVICES))
def service(request: pytest.FixtureRequest, started: list[ServiceProcess]) -> ServiceProcess:
    proc = SERVICES[request.param]().start()
    started.append(proc)
    proc.wait_until("/healthz")
    return proc


def exchange(proc: ServiceProcess, raw: bytes, timeout: float = 3.0) -> tuple[bytes, bool]:
    """Send RAW; return what came back and whether the server closed the connection."""
    with socket.create_connection((proc.host, proc.port), timeout=timeout) as sock:
        sock.sendall(raw)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            return received, False
        return received, True


def test_content_length_with_transfer_encoding_is_refused_and_closed(
    service: ServiceProcess,
) -> None:
    # RFC 9112 6.1: a request with both may be smuggling; the server must not serve it
    # and must close the connection, so the smuggled second request is never read.
    raw = (
        b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    received, closed = exchange(service, raw)
    assert received.startswith(b"HTTP/1.1 400 "), received[:200]
    assert received.count(b"HTTP/1.1 ") == 1, "the smuggled request was answered"
    assert closed
    assert httpx.get(service.url + "/healthz").status_code == 200


@pytest.mark.parametrize(
    "raw",
    [
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost x\r\n\r\n",
        b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n",
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",  # a TLS ClientHello on plain HTTP
    ],
    ids=["two-content-lengths", "header-without-colon", "unknown-version", "tls-hello"],
)
def test_a_request_the_parser_refuses_gets_the_json_error_body(
    service: ServiceProcess, raw: bytes
) -> None:
    received, closed = exchange(service, raw)
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n"), received[:200]
    assert b"\r\ncontent-type: application/json" in head
    error = json.loads(body)["error"]
    assert error["status"] == 400
    assert error["code"] == "bad_request"
    assert error["message"]
    assert closed


def test_invented_methods_cannot_grow_metrics(service: ServiceProcess) -> None:
    before = httpx.get(service.url + "/metrics").text
    for n in range(300):
        exchange(service, f"INVENTED{n} /healthz HTTP/1.1\r\nHost: x\r\n\r\n".encode(), 1.0)
        exchange(service, f"X{n} /nowhere HTTP/1.1\r\nHost: x\r\n\r\n".encode(), 1.0)
    after = httpx.get(service.url + "/metrics").text
    assert "INVENTED" not in after
    assert 'method="X' not in after
    # Whatever the parser lets through is counted as method="other": a few label sets.
    assert len(after) < len(before) + 10_000
    assert httpx.get(service.url + "/healthz").status_code == 200


@pytest.mark.parametrize("size", [100_000, 2_000_000])
def test_an_oversized_head_is_refused_with_431_and_closed(
    service: ServiceProcess, size: int
) -> None:
    raw = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * size + b"\r\n\r\n"
    received, closed = exchange(service, raw)
    assert received.startswith(b"HTTP/1.1 431 "), received[:200]
    assert b'"code": "request_header_fields_too_large"' in received
    assert closed
    assert httpx.get(service.url + "/healthz").status_code == 200


def test_a_head_under_the_bound_is_served_in_many_small_pieces(service: ServiceProcess) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Fine: " + b"a" * 12_000 + b"\r\n\r\n"
    with socket.create_connection((service.host, service.port), timeout=5) as sock:
        for start in range(0, len(head), 1000):
            sock.sendall(head[start : start + 1000])
        assert sock.recv(200).startswith(b"HTTP/1.1 200 ")


def test_a_small_head_with_a_large_body_in_one_write_is_not_a_head_too_large(
    service: ServiceProcess,
) -> None:
    body = b"x" * 40_000
    raw = b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    received, _ = exchange(service, raw)
    assert not received.startswith(b"HTTP/1.1 431 "), received[:200]
    assert received.startswith(b"HTTP/1.1 ")


def test_slow_clients_do_not_starve_the_others(service: ServiceProcess) -> None:
    # Slowloris: connections that never finish their head hold no worker.
    idle = [socket.create_connection((service.host, service.port), timeout=5) for _ in range(50)]
    try:
        for sock in idle:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        assert httpx.get(service.url + "/healthz", timeout=5).status_code == 200
    finally:
        for sock in idle:
            sock.close()


def test_a_head_sent_slowly_is_answered_408_and_closed(service: ServiceProcess) -> None:
    # One header line at a time, each well inside any per-read timeout: only a bound on
    # the whole head ends this (it held a connection for 150 s before there was one).
    with socket.create_connection((service.host, service.port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        lines = 0
        received = b""
        began = time.monotonic()
        while time.monotonic() - began < 6 * HEAD_TIMEOUT:
            try:
                sock.sendall(b"X-Drip-%d: 1\r\n" % lines)
            except OSError:
                break  # closed by the server
            lines += 1
            sock.settimeout(HEAD_TIMEOUT / 4)
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                break
            received += chunk
        sock.settimeout(5)
        with contextlib.suppress(OSError):
            while chunk := sock.recv(65536):
                received += chunk

    assert received.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), received[:200]
    assert b"connection: close" in received
    body = json.loads(received.split(b"\r\n\r\n", 1)[1])
    assert body["error"]["message"] == f"request head not received within {HEAD_TIMEOUT:g} s"
    assert body["error"]["status"] == 408
    assert lines < 4 * 6, "the connection was ended near the bound, not held on"
    assert httpx.get(service.url + "/healthz", timeout=5).status_code == 200


def test_a_connection_that_sends_nothing_is_closed_without_an_answer(
    service: ServiceProcess,
) -> None:
    with socket.create_connection((service.host, service.port), timeout=6 * HEAD_TIMEOUT) as sock:
        received = sock.recv(65536)

    assert received == b""


def test_a_keep_alive_connection_serves_requests_spaced_under_the_bound(
    service: ServiceProcess,
) -> None:
    # The bound is on each head, from its first byte: not on the connection's life.
    conn = http.client.HTTPConnection(service.host, service.port, timeout=5)
    try:
        statuses, sockets = [], set()
        for _ in range(3):
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            statuses.append(response.status)
            assert conn.sock is not None
            sockets.add(conn.sock.getsockname())
            time.sleep(HEAD_TIMEOUT * 0.6)
    finally:
        conn.close()

    assert statuses == [200] * 3
    assert len(sockets) == 1, "one connection served all three"
