"""Pure ASGI middleware: body limit and fault injection (the request id, headers, metrics
and access log are servicekit.edge's)."""

from __future__ import annotations

import asyncio
import contextlib
import random

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.runtime import Faults, Runtime
from servicekit.error_body import error_json

# Probes, metrics and the drills themselves must stay truthful while a drill runs; /meta
# drills in its endpoint (backend.routes.probes), on either path, once.
FAULT_EXEMPT = ("/healthz", "/readyz", "/metrics", "/faults", "/meta")


async def _send_error(send: Send, scope: Scope, status: int, message: str) -> None:
    """Answer in the project's error shape, with the request id the edge assigned."""
    raw = error_json(status, message, scope.get("state", {}).get("request_id"))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(raw)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": raw})


class _BodyTooLargeError(Exception):
    pass


class BodyLimit:
    """Answer 413 for bodies above ``max_bytes``, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"request body exceeds {self.max_bytes} bytes"
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _send_error(send, scope, 413, message)
            return
        received = 0
        started = False
        rejected = False

        async def limited_receive() -> Message:
            nonlocal received, rejected
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > self.max_bytes and not started:
                    # Answer now: the framework may turn our exception into a 400
                    # while parsing, so its own response is dropped below.
                    rejected = True
                    await _send_error(send, scope, 413, message)
                    raise _BodyTooLargeError
            return msg

        async def tracking_send(msg: Message) -> None:
            nonlocal started
            if rejected:
                return
            started = started or msg["type"] == "http.response.start"
            await send(msg)

        with contextlib.suppress(_BodyTooLargeError):
            await self.app(scope, limited_receive, tracking_send)


async def drill(faults: Faults, rng: random.Random) -> bool:
    """Wait the drilled latency; True when the drill says this request fails."""
    if faults.latency_ms:
        await asyncio.sleep(faults.latency_ms / 1000)
    return bool(faults.error_rate) and rng.random() < faults.error_rate


class FaultInjection:
    """Added latency and injected 500s on application routes only, never on probes."""

    def __init__(self, app: ASGIApp, runtime: Runtime, rng: random.Random | None = None) -> None:
        self.app = app
        self.runtime = runtime
        self.rng = rng or random.Random()  # noqa: S311 - drills need no cryptographic randomness

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(FAULT_EXEMPT):
            await self.app(scope, receive, send)
            return
        if await drill(self.runtime.faults, self.rng):
            await _send_error(send, scope, 500, "injected by fault drill")
            return
        await self.app(scope, receive, send)
