"""backend.listener on real loopback sockets: the kernel's accept queue, not a model of it."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator

import pytest

from backend.listener import queued_connections, stop_new_connections


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock


def test_a_stopped_listener_keeps_its_queued_connections_and_takes_no_new_one(
    listener: socket.socket,
) -> None:
    with socket.create_connection(listener.getsockname()) as queued:
        queued.sendall(b"sent before the stop")
        assert queued_connections(listener) == 1

        assert stop_new_connections(listener)

        with socket.socket() as late:
            late.settimeout(0.5)
            # The SYN is dropped, not answered: the client waits to retry, it is not reset.
            with pytest.raises(TimeoutError):
                late.connect(listener.getsockname())
        assert queued_connections(listener) == 1
        accepted, _ = listener.accept()
        with accepted:
            assert accepted.recv(100) == b"sent before the stop"
            accepted.sendall(b"answered")
            assert queued.recv(100) == b"answered"
        assert queued_connections(listener) == 0


def test_closing_a_listener_resets_what_it_has_queued(listener: socket.socket) -> None:
    # Why the drain stops new connections and empties the queue before it closes.
    with socket.create_connection(listener.getsockname()) as queued:
        queued.sendall(b"a request")
        listener.close()
        with pytest.raises(ConnectionResetError):
            queued.recv(100)


def test_the_queue_length_counts_each_connection_waiting(listener: socket.socket) -> None:
    clients = [socket.create_connection(listener.getsockname()) for _ in range(3)]
    try:
        assert queued_connections(listener) == 3
        listener.accept()[0].close()
        assert queued_connections(listener) == 2
    finally:
        for client in clients:
            client.close()


def test_a_closed_socket_reports_no_stop_and_no_queue() -> None:
    sock = socket.socket()
    sock.close()
    assert stop_new_connections(sock) is False
    assert queued_connections(sock) is None


def test_elsewhere_than_linux_neither_is_attempted(
    listener: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert stop_new_connections(listener) is False
    assert queued_connections(listener) is None
    with socket.create_connection(listener.getsockname(), timeout=2):
        pass  # still taking connections
