"""Application factory. Nothing here runs at import time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from backend import metrics, readiness
from backend.dependencies import run_checks
from backend.middleware import BodyLimit, FaultInjection, RequestContext
from backend.routes import faults, health, meta
from backend.settings import Settings
from backend.state import RuntimeState
from servicekit import errors
from servicekit.access import AccessLog

log = logging.getLogger("backend")


async def _start_up(settings: Settings, state: RuntimeState) -> None:
    """Start-up work that must finish before readiness turns true."""
    if settings.startup_delay_seconds:
        await asyncio.sleep(settings.startup_delay_seconds)
    state.lifecycle.startup_complete = True
    log.info("start-up complete", extra={"uptime_s": round(state.lifecycle.uptime_seconds(), 3)})


def create_app(settings: Settings, state: RuntimeState | None = None) -> FastAPI:
    """Build the backend app from settings; ``state`` is injectable for the server and tests."""
    runtime = state or RuntimeState()
    dependency_names = tuple(str(url) for url in settings.readiness_urls)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Start-up work runs beside the server, so /healthz answers and /readyz
        # says 503 "start-up in progress" instead of the port being closed.
        tasks: list[asyncio.Task[None]] = []
        if settings.startup_delay_seconds:
            tasks.append(asyncio.create_task(_start_up(settings, runtime), name="startup"))
        else:
            await _start_up(settings, runtime)
        if dependency_names:
            tasks.append(
                asyncio.create_task(
                    run_checks(
                        dependency_names,
                        runtime.dependencies,
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

    app = FastAPI(
        title="backend",
        summary="Deployment probe: health, readiness, build metadata, metrics and fault drills.",
        version=settings.version or "0.0.0+unknown",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.runtime = runtime
    app.state.dependency_names = dependency_names

    def verdict() -> readiness.Verdict:
        return readiness.evaluate(
            runtime.lifecycle, runtime.faults, dependency_names, runtime.dependencies
        )

    errors.install(app)
    app.include_router(health.router)
    app.include_router(meta.router)
    if settings.faults_enabled and settings.faults_token is not None:
        app.state.faults_token = settings.faults_token.get_secret_value()
        app.include_router(faults.router)
    # Middleware added last runs outermost. Faults sit inside the metrics
    # middleware so injected errors show up in the RED metrics; the request
    # context wraps everything, so even a 413 carries X-Build-SHA, and the access log
    # wraps that, so every answer is logged with its request id.
    app.add_middleware(FaultInjection, state=runtime)
    metrics.install(app, settings, runtime, verdict)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(RequestContext, state=runtime, build_sha=settings.git_sha)
    app.add_middleware(AccessLog, logger="backend.access")
    return app
