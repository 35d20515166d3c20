"""Viewers of a board's ``/events`` over raw sockets: ones that stay, ones that leave.

Raw sockets, because leaving is the point: a client may go with a FIN (a closed tab)
or an RST (a proxy or a crashed browser), before or after the first event, all at
once; and it may half-close (FIN sent, still reading), which no HTTP client does.
"""

from __future__ import annotations

import random
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

REQUEST = b"GET /events HTTP/1.1\r\nHost: board\r\nAccept: text/event-stream\r\n\r\n"
# Where a leaving viewer goes: before any answer, after the response head, or after
# the first event (the board), mid-way through the stream.
LEAVE_AT = ("request sent", "head read", "first event read")


def _connect(host: str, port: int) -> socket.socket:
    sock = socket.create_connection((host, port), timeout=10)
    sock.sendall(REQUEST)
    return sock


def _read_until(sock: socket.socket, marker: bytes) -> bytes:
    received = b""
    while marker not in received:
        chunk = sock.recv(65536)
        if not chunk:
            break
        received += chunk
    return received


def _leave(sock: socket.socket, reset: bool) -> None:
    if reset:  # SO_LINGER 0: close() sends an RST instead of a FIN
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def storm(host: str, port: int, *, rounds: int, viewers: int, seed: int) -> int:
    """ROUNDS times: VIEWERS connect, each reads up to a random point, then all leave at
    once, half with an RST. Returns how many left."""
    rng = random.Random(seed)  # noqa: S311 - reproducible by seed, nothing secret
    left = 0
    for _ in range(rounds):
        socks = [_connect(host, port) for _ in range(viewers)]
        for sock in socks:
            point = rng.choice(LEAVE_AT)
            if point == "head read":
                _read_until(sock, b"\r\n\r\n")
            elif point == "first event read":
                _read_until(sock, b"event: board\n")
        for sock in socks:
            _leave(sock, reset=rng.random() < 0.5)
            left += 1
    return left


@dataclass
class Viewer:
    """One viewer that stays, reading in a thread; ``events`` are the event names seen."""

    sock: socket.socket
    events: list[str] = field(default_factory=list)
    data: list[str] = field(default_factory=list)  # each event's data, joined
    thread: threading.Thread | None = None

    def read(self) -> None:
        buffered = b""
        try:
            while chunk := self.sock.recv(65536):
                buffered += chunk
                *messages, buffered = buffered.split(b"\n\n")
                for message in messages:
                    lines = message.decode(errors="replace").splitlines()
                    names = [ln[len("event: ") :] for ln in lines if ln.startswith("event: ")]
                    if names:
                        self.data.append("\n".join(ln for ln in lines if ln.startswith("data:")))
                        self.events.append(names[0])
        except OSError:
            return


@contextmanager
def staying_viewers(
    host: str, port: int, count: int, *, half_closed: bool = False
) -> Iterator[list[Viewer]]:
    """COUNT viewers reading the stream until the block ends (or the server closes it);
    with HALF_CLOSED, each shuts its sending side right after the request."""
    viewers = []
    for _ in range(count):
        sock = _connect(host, port)
        sock.settimeout(None)
        if half_closed:
            sock.shutdown(socket.SHUT_WR)
        viewer = Viewer(sock)
        viewer.thread = threading.Thread(target=viewer.read, daemon=True)
        viewer.thread.start()
        viewers.append(viewer)
    try:
        yield viewers
    finally:
        for viewer in viewers:
            _leave(viewer.sock, reset=False)
        for viewer in viewers:
            if viewer.thread is not None:
                viewer.thread.join(5)
