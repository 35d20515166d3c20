"""An ASGI app built on its first request, with a lifespan of its own.

Importing FastAPI (its OpenAPI models, its pydantic v1 compatibility layer) is about
as much CPU as everything else a service imports together (bench/backend.md). A
service whose production routes are answered before it (servicekit.shortcuts: probes,
build metadata, metrics) does not need the framework to be ready, so it builds the
framework only when a request first needs it (documentation, drills, errors), in a
worker thread so the edge keeps answering meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("servicekit.deferred")


class Deferred:
    """``build()`` runs once, on the first request; ``lifespan()`` runs as the server
    starts and stops, whether or not the app was ever built."""

    def __init__(
        self,
        build: Callable[[], ASGIApp],
        lifespan: Callable[[], AbstractAsyncContextManager[None]],
    ) -> None:
        self._build = build
        self._lifespan = lifespan
        self._app: ASGIApp | None = None
        self._building: asyncio.Future[ASGIApp] | None = None

    @property
    def built(self) -> bool:
        return self._app is not None

    @property
    def routes(self) -> list[Any]:
        """The built app's routes (none before it is built): what names its requests in
        the metrics. A request that builds it is counted under ``none``."""
        return list(getattr(self._app, "routes", ()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._run_lifespan(receive, send)
            return
        app = self._app or await self._load()
        await app(scope, receive, send)

    async def _load(self) -> ASGIApp:
        if self._building is None:
            log.info("building the framework for the first request that needs it")
            self._building = asyncio.ensure_future(asyncio.to_thread(self._build))
        # Shielded: a client that disconnects must not cancel the build for the others.
        app = await asyncio.shield(self._building)
        self._app = app
        return app

    async def _run_lifespan(self, receive: Receive, send: Send) -> None:
        # The ASGI lifespan protocol, as Starlette's router speaks it.
        started = False
        await receive()  # lifespan.startup
        try:
            async with self._lifespan():
                await send({"type": "lifespan.startup.complete"})
                started = True
                await receive()  # lifespan.shutdown
        except BaseException:
            failed = "lifespan.shutdown.failed" if started else "lifespan.startup.failed"
            await send({"type": failed, "message": traceback.format_exc()})
            raise
        await send({"type": "lifespan.shutdown.complete"})
