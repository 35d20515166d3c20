"""Application factory. Nothing here runs at import time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from backend import metrics
from backend.answers import Answers
from backend.middleware import BodyLimit, FaultInjection
from backend.readiness_checks import run_checks
from backend.routes import faults, health, meta
from backend.runtime import Runtime
from backend.settings import Settings
from servicekit.app import service_app
from servicekit.edge import Edge

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

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
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

    app = service_app("backend", settings, lifespan)
    app.state.runtime = runtime
    answers = Answers(settings, runtime)
    app.state.answers = answers
    app.include_router(health.router)
    app.include_router(meta.router)
    if settings.faults_enabled and settings.faults_token is not None:
        app.include_router(faults.router)
    http_metrics = metrics.install(app, settings, runtime)
    # Middleware added last runs outermost. The edge wraps everything, so even a 413
    # or an injected 500 carries X-Build-SHA and a request id and is counted and
    # logged; it answers the probes and /meta itself (see backend.answers).
    app.add_middleware(FaultInjection, runtime=runtime)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    return Edge(
        app,
        logger="backend.access",
        metrics=http_metrics,
        headers=[(b"x-build-sha", (settings.git_sha or "unknown").encode())],
        closing=lambda: runtime.lifecycle.draining,
        answers=answers.fast(),
    )
