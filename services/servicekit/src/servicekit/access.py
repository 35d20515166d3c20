"""Pure ASGI middleware: one JSON access-log line per request, by route template."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class AccessLog:
    """Logs method, route template (never the raw path), status and duration.

    Added outermost, it also sees answers other middleware gives on its own
    (413, injected errors); a ``request_id`` stored in the scope's state by an
    inner middleware is logged too.
    """

    def __init__(self, app: ASGIApp, logger: str) -> None:
        self.app = app
        self.log = logging.getLogger(logger)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def track(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, track)
        finally:
            fields = {
                "method": scope["method"],
                "route": getattr(scope.get("route"), "path", None),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            }
            request_id = scope.get("state", {}).get("request_id")
            if request_id is not None:
                fields["request_id"] = request_id
            self.log.info("request", extra=fields)
