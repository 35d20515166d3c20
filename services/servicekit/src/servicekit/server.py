"""The uvicorn configuration every service runs with; each service keeps its own Server."""

from __future__ import annotations

import uvicorn
from starlette.types import ASGIApp

from servicekit.http_protocol import bounded_protocol
from servicekit.settings import ServiceSettings


def server_config(app: ASGIApp, settings: ServiceSettings) -> uvicorn.Config:
    """Bind address and shutdown bound from settings; logging and headers our own way."""
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        # servicekit.logs already routes uvicorn's loggers into the JSON handler, and
        # requests are logged once, by the access-log middleware, with the route template.
        log_config=None,
        access_log=False,
        # Saying "uvicorn" to every client tells an attacker which CVEs to try.
        server_header=False,
        # A lifespan that fails must stop the process, not be skipped silently.
        lifespan="on",
        # No service reads the client's address: rewriting it from X-Forwarded-For would
        # be a middleware layer on every request for nothing.
        proxy_headers=False,
        # The C parser (llhttp) and libuv's loop: several times the requests per core of
        # h11 and asyncio's own loop (bench/backend.md), and llhttp rejects ambiguous
        # framing such as Content-Length with Transfer-Encoding. Bounded: see
        # servicekit.http_protocol.
        http=bounded_protocol(settings.head_timeout_seconds),
        loop="uvloop",
        # Typed int, but uvicorn only hands it to asyncio.wait_for, which takes a float:
        # truncating would turn 0.5 s into no grace at all.
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,  # type: ignore[arg-type]
    )
