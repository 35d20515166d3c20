"""uvicorn's httptools protocol with a bound on a request's head, as its h11 one has.

llhttp limits neither the request line nor the headers, and httptools buffers a
header until it is complete: one client could make the server hold megabytes per
connection. h11, uvicorn's other parser, refuses an incomplete head over 16 KiB; so
does this, with 431 and the project's error body, and closes the connection.

Nor does uvicorn bound how long a head may take: its keep-alive timer stops at a
request's first byte, so one header line every few seconds held a connection for
minutes. Each head must arrive within ``head_timeout`` seconds of its first byte (or
of the connection, for the first): past that, a 408 if some of it came, else a close.

The parser's own refusals (malformed requests, ambiguous framing, unknown methods)
get the same JSON error body instead of uvicorn's text/plain one, so every answer
the services give has the shape the README promises.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from servicekit.error_body import error_json

MAX_HEAD_BYTES = 16 * 1024  # h11's default (h11_max_incomplete_event_size)
LINGER_SECONDS = 1.0


class HeadTooLargeError(Exception):
    """Raised from a parser callback to stop parsing a head over the bound."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    head_timeout = 20.0  # seconds; a service sets its own (``bounded_protocol``)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._received = 0  # bytes read while the head is incomplete
        self._parsed = 0  # request line and headers parsed so far
        self._refused = False
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # the rest of a refused head: read and dropped while lingering
        if self._in_head:
            self._received += len(data)
            if self._head_timer is None:
                self._start_head_timer()
        super().data_received(data)
        # A head still incomplete after this many bytes is over the bound, even if no
        # header is complete yet (httptools is buffering one).
        if self._in_head and self._received > MAX_HEAD_BYTES:
            self._refuse_head()

    def on_message_begin(self) -> None:
        self._parsed = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)  # ": " and CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._received = 0
        self._stop_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True

    def send_400_response(self, msg: str) -> None:
        # Not super(): uvicorn answers text/plain and closes with the client's bytes
        # unread, which can reset the connection before the client reads the answer.
        if not self._refused:  # parsing stopped by _count: the 431 is already sent
            self._refuse(400, b"Bad Request", msg)

    def _start_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._refused or self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            # A pipelined head behind a response still being sent: an answer now would
            # land inside that response. Its time starts once the response is done.
            self._start_head_timer()
            return
        if self._received == 0:
            self.transport.close()  # an idle connection: nothing to answer
            return
        message = f"request head not received within {self.head_timeout:g} s"
        self._refuse(408, b"Request Timeout", message)

    def _count(self, size: int) -> None:
        self._parsed += size
        if self._parsed > MAX_HEAD_BYTES:
            self._refuse_head()
            raise HeadTooLargeError

    def _refuse_head(self) -> None:
        if not self._refused:
            message = f"request line and headers exceed {MAX_HEAD_BYTES} bytes"
            self._refuse(431, b"Request Header Fields Too Large", message)

    def _refuse(self, status: int, reason: bytes, message: str) -> None:
        self._refused = True
        body = error_json(status, message)
        self.transport.write(
            b"HTTP/1.1 %d %s\r\n"
            b"content-type: application/json\r\n"
            b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (status, reason, len(body), body)
        )
        # A lingering close, as nginx does: closing with the client's bytes unread
        # would reset the connection before it reads the 431.
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)


def bounded_protocol(head_timeout: float) -> type[BoundedHttpToolsProtocol]:
    """The protocol class with its head timeout: uvicorn takes a class, not an instance."""
    return type(
        BoundedHttpToolsProtocol.__name__,
        (BoundedHttpToolsProtocol,),
        {"head_timeout": head_timeout, "__module__": __name__},
    )
