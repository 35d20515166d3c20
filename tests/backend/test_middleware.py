"""Middleware behaviour the HTTP tests cannot reach: raw ASGI messages."""

from __future__ import annotations

import asyncio

from starlette.types import Message, Receive, Scope, Send

from backend.middleware import BodyLimit


def test_body_limit_passes_a_client_disconnect_through_untouched() -> None:
    received: list[Message] = []
    sent: list[Message] = []

    async def app(_scope: Scope, receive: Receive, send: Send) -> None:
        received.append(await receive())
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def disconnect() -> Message:
        return {"type": "http.disconnect"}

    async def record(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "method": "POST", "path": "/x", "headers": []}
    asyncio.run(BodyLimit(app, max_bytes=1024)(scope, disconnect, record))
    assert received == [{"type": "http.disconnect"}]
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == [204]
