"""The one layer of our own in front of each service.

Every request passes it once: it assigns the request id, adds the service's fixed
response headers (and ``Connection: close`` while the process drains) and writes the
access log. Inside it, prometheus-fastapi-instrumentator's middleware records the
request (``servicekit.http_metrics``), and then the service answers: its shortcuts
(``servicekit.shortcuts``: probes, build metadata, metrics) or its framework.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import time
from collections.abc import Callable, Sequence

from starlette.datastructures import State
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.http_metrics import HttpMetrics

Header = tuple[bytes, bytes]

_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")
_AGENT_MAX = 200
_CLOSE: Header = (b"connection", b"close")


class Edge:
    """Request id, fixed headers and access log around ``app``, counted by ``metrics``.

    ``app``'s ``routes`` name each request for the metrics (the instrumentator reads
    them from ``scope["app"]``, which the framework sets only once it is entered);
    ``headers`` go on every response; ``closing`` says whether to add
    ``Connection: close`` (asked when the response starts, so a request in flight at
    SIGTERM is answered with it too). ``state`` is the one the framework's requests see
    as ``request.app.state``.
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
    ) -> None:
        self.app = app
        self.state = state
        self.log = logging.getLogger(logger)
        self.metrics = metrics
        self.counted: ASGIApp = metrics.middleware(app, getattr(app, "paths", ()))
        self.headers = tuple(headers)
        self.closing = closing
        # Request ids: random per process, then counted (unique, and cheaper than 16
        # random bytes per request; an id needs to be unique, not unguessable).
        self._id_prefix, self._ids = os.urandom(8).hex(), itertools.count()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = agent = b""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = value if _REQUEST_ID.fullmatch(value) else b""
            elif name == b"user-agent":
                agent = value  # who asks: the kubelet says "kube-probe/1.36"
        rid = request_id.decode("ascii") if request_id else self._new_id()
        if "state" in scope:
            scope["state"]["request_id"] = rid
        else:
            scope["state"] = {"request_id": rid}
        scope["app"] = self.app
        extra = (*self.headers, (b"x-request-id", rid.encode("ascii")))
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
            await self.counted(scope, receive, send_with_headers)
        finally:
            if self.log.isEnabledFor(logging.INFO):
                route = getattr(scope.get("route"), "path", None) or "none"
                self._log(route, scope["method"], status, started, rid, agent)

    def _new_id(self) -> str:
        return f"{self._id_prefix}{next(self._ids) & 0xFFFFFFFFFFFFFFFF:016x}"

    def _log(  # noqa: PLR0917 - the hot path: no keyword overhead
        self, route: str, method: str, status: int, started: float, rid: str, agent: bytes
    ) -> None:
        fields = {
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "request_id": rid,
            # Bounded: a client chooses it. The JSON formatter escapes what it holds.
            "user_agent": agent[:_AGENT_MAX].decode("latin-1"),
        }
        self.log.info("request", extra=fields)
