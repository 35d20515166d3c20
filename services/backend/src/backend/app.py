"""Application factory. Nothing here runs at import time.

A request passes the edge (request id, headers, access log), the instrumentator's
metrics middleware, and then the shortcuts (the probes, /meta and /metrics:
backend.routes.probes) or the FastAPI app, which is imported and built only when a
request first needs it (backend.framework). Nothing imported here imports FastAPI:
tests/backend/test_app.py checks it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.datastructures import State
from starlette.types import ASGIApp

from backend import metrics
from backend.answers import Answers
from backend.readiness_checks import run_checks
from backend.routes import probes
from backend.runtime import Runtime
from backend.settings import Settings
from servicekit.deferred import Deferred
from servicekit.edge import Edge
from servicekit.shortcuts import Shortcuts

log = logging.getLogger("backend")


async def _start_up(settings: Settings, runtime: Runtime) -> None:
    """Start-up work that must finish before readiness turns true."""
    if settings.startup_delay_seconds:
        await asyncio.sleep(settings.startup_delay_seconds)
    runtime.lifecycle.startup_complete = True
    log.info("start-up complete", extra={"uptime_s": round(runtime.lifecycle.uptime_seconds(), 3)})


def create_app(settings: Settings, runtime: Runtime | None = None) -> Edge:
    """Build the backend app from settings.

    ``runtime`` is injectable so the server keeps a handle to start the drain; the app
    records in it which dependency URLs readiness waits for.
    """
    runtime = runtime or Runtime()
    runtime.readiness_urls = tuple(str(url) for url in settings.readiness_urls)

    answers = Answers(settings, runtime)
    http_metrics = metrics.http_metrics(settings, runtime)
    shortcuts = (*probes.shortcuts(answers, runtime), http_metrics.shortcut())
    state = State({"settings": settings, "runtime": runtime, "answers": answers})

    @contextlib.asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        # Start-up work runs beside the server, so /healthz answers and /readyz
        # says 503 "start-up in progress" instead of the port being closed.
        tasks: list[asyncio.Task[None]] = []
        if settings.startup_delay_seconds:
            tasks.append(asyncio.create_task(_start_up(settings, runtime), name="startup"))
        else:
            await _start_up(settings, runtime)
        if runtime.readiness_urls:
            tasks.append(
                asyncio.create_task(
                    run_checks(
                        runtime.readiness_urls,
                        runtime.dependency_results,
                        settings.readiness_check_interval_seconds,
                        settings.readiness_check_timeout_seconds,
                    ),
                    name="dependency-checks",
                )
            )
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def build() -> ASGIApp:
        from backend.framework import framework  # noqa: PLC0415 - deferred, see the docstring

        return framework(settings, runtime, state, shortcuts)

    return Edge(
        Shortcuts(Deferred(build, lifespan), shortcuts),
        state=state,
        logger="backend.access",
        metrics=http_metrics,
        headers=[(b"x-build-sha", (settings.git_sha or "unknown").encode())],
        closing=lambda: runtime.lifecycle.draining,
    )
