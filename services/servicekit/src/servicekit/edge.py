"""The one pure-ASGI layer in front of each service.

Every request passes it once: it assigns the request id, adds the service's fixed
response headers (and ``Connection: close`` while the process drains), records the
RED metrics and writes the access log, timing the request once for both. A service
may also hand it precomputed answers for its hottest routes (probes, build
metadata), and it serves the metrics exposition itself: a GET or HEAD without a
body to one of those paths is answered here, without entering the framework,
because a probe is hit by every kubelet, load balancer and smoke test and should
cost as little as the language allows.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence

from starlette.datastructures import State
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.http_metrics import HttpMetrics

Header = tuple[bytes, bytes]
Answer = Callable[[Scope], Awaitable[tuple[int, bytes]]]
"""A precomputed JSON answer: ``(status, body)``, given the request's scope."""

_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")
_AGENT_MAX = 200
_CLOSE: Header = (b"connection", b"close")
_JSON = b"application/json"
_NO_STORE: Header = (b"cache-control", b"no-store")


class Edge:
    """Request id, fixed headers, metrics and access log around ``app``.

    ``headers`` go on every response; ``closing`` says whether to add
    ``Connection: close`` (asked when the response starts, so a request in flight
    at SIGTERM is answered with it too); ``answers`` maps exact paths to
    precomputed JSON answers; ``metrics.path`` is answered with the exposition.
    ``state`` is the one the framework's requests see as ``request.app.state``.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        state: State,
        logger: str,
        metrics: HttpMetrics,
        headers: Sequence[Header] = (),
        closing: Callable[[], bool] | None = None,
        answers: Mapping[str, Answer] | None = None,
    ) -> None:
        self.app = app
        self.state = state
        self.log = logging.getLogger(logger)
        self.metrics = metrics
        self.headers = tuple(headers)
        self.closing = closing
        self.answers: dict[str, tuple[Answer, bytes]] = {
            path: (answer, _JSON) for path, answer in (answers or {}).items()
        }
        self.answers[metrics.path] = (self._exposition, metrics.content_type)

    async def _exposition(self, _: Scope) -> tuple[int, bytes]:
        return 200, self.metrics.exposition()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = agent = b""
        has_body = False
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = value if _REQUEST_ID.fullmatch(value) else b""
            elif name == b"user-agent":
                agent = value  # who asks: the kubelet says "kube-probe/1.36"
            elif name in (b"content-length", b"transfer-encoding"):
                has_body = True
        rid = request_id.decode("ascii") if request_id else os.urandom(16).hex()
        scope.setdefault("state", {})["request_id"] = rid
        extra = (*self.headers, (b"x-request-id", rid.encode("ascii")))
        method: str = scope["method"]
        found = None if has_body else self.answers.get(scope["path"])
        if found is not None and method in ("GET", "HEAD"):
            answer, content_type = found
            status, body = await answer(scope)
            headers = [
                (b"content-type", content_type),
                _NO_STORE,
                (b"content-length", b"%d" % len(body)),
                *extra,
            ]
            if self.closing is not None and self.closing():
                headers.append(_CLOSE)
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
            self._record(scope["path"], method, status, started, rid, agent)
            return
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", ()), *extra]
                if self.closing is not None and self.closing():
                    # Keep-alive clients reconnect, and land on a pod that is not leaving.
                    headers.append(_CLOSE)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            route = getattr(scope.get("route"), "path", None)
            self._record(route or "none", method, status, started, rid, agent)

    def _record(  # noqa: PLR0917 - the hot path: no keyword overhead
        self, route: str, method: str, status: int, started: float, rid: str, agent: bytes
    ) -> None:
        seconds = time.perf_counter() - started
        self.metrics.observe(route, method, status, seconds)
        if self.log.isEnabledFor(logging.INFO):
            fields = {
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "request_id": rid,
                # Bounded: a client chooses it. The JSON formatter escapes what it holds.
                "user_agent": agent[:_AGENT_MAX].decode("latin-1"),
            }
            self.log.info("request", extra=fields)
