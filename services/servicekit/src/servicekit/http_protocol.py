"""uvicorn's httptools protocol with a bound on a request's head, as its h11 one has.

llhttp limits neither the request line nor the headers, and httptools buffers a
header until it is complete: one client could make the server hold megabytes per
connection. h11, uvicorn's other parser, refuses an incomplete head over 16 KiB; so
does this, with 431 and the project's error body, and closes the connection.

The parser's own refusals (malformed requests, ambiguous framing, unknown methods)
get the same JSON error body instead of uvicorn's text/plain one, so every answer
the services give has the shape the README promises.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from servicekit.error_body import error_json

MAX_HEAD_BYTES = 16 * 1024  # h11's default (h11_max_incomplete_event_size)
LINGER_SECONDS = 1.0


class HeadTooLargeError(Exception):
    """Raised from a parser callback to stop parsing a head over the bound."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._received = 0  # bytes read while the head is incomplete
        self._parsed = 0  # request line and headers parsed so far
        self._refused = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # the rest of a refused head: read and dropped while lingering
        if self._in_head:
            self._received += len(data)
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
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True

    def send_400_response(self, msg: str) -> None:
        # Not super(): uvicorn answers text/plain and closes with the client's bytes
        # unread, which can reset the connection before the client reads the answer.
        if not self._refused:  # parsing stopped by _count: the 431 is already sent
            self._refuse(400, b"Bad Request", msg)

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
