"""Both services, as real processes, against requests a proxy or an attacker may send.

Raw sockets, because an HTTP client library refuses to send most of these.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable

import httpx
import pytest

from tests.support.processes import ServiceProcess, backend_process, frontend_process

pytestmark = pytest.mark.process

SERVICES: dict[str, Callable[[], ServiceProcess]] = {
    "backend": lambda: backend_process({"BACKEND_LOG_LEVEL": "warning"}),
    "frontend": lambda: frontend_process({"FRONTEND_LOG_LEVEL": "warning"}),
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
