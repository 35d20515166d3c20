"""Application factory. Nothing here runs at import time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from fastapi import FastAPI

from frontend import metrics
from frontend.board import Board, build_board
from frontend.cache import ClusterCache
from frontend.live import Changes
from frontend.middleware import SecurityHeaders
from frontend.probes import BackendProbes
from frontend.routes import api, events, health, pages, static
from frontend.runtime import ClusterSource, Runtime
from frontend.settings import Settings
from frontend.views import Assets, BoardCache, environment
from servicekit import errors
from servicekit.access import AccessLog

log = logging.getLogger("frontend")


def backend_pods(settings: Settings, cluster: ClusterSource) -> list[tuple[str, str]]:
    """Running backend pods (by the selector) with a pod IP, as probe targets."""
    wanted = dict(part.split("=", 1) for part in settings.backend_pod_selector.split(","))
    targets = []
    for pod in cluster.snapshot().of_kind("pods"):
        meta, status = pod.get("metadata") or {}, pod.get("status") or {}
        labels = meta.get("labels") or {}
        ip = status.get("podIP")
        if (
            ip
            and status.get("phase") == "Running"
            and not meta.get("deletionTimestamp")
            and all(labels.get(k) == v for k, v in wanted.items())
        ):
            host = f"[{ip}]" if ":" in ip else ip
            targets.append((str(meta.get("name")), f"http://{host}:{settings.backend_pod_port}"))
    return targets


def create_app(settings: Settings, cluster: ClusterSource | None = None) -> FastAPI:
    """Build the frontend from settings; ``cluster`` is injectable (tests pass captured objects)."""
    changes = Changes(settings.batch_interval_ms / 1000, settings.refresh_seconds)
    source: ClusterSource = cluster or ClusterCache(settings, changes.mark)
    probes = BackendProbes(settings, lambda: backend_pods(settings, source), changes.mark)
    assets = Assets.discover(settings.vendor_dir)

    def build() -> Board:
        return build_board(source.snapshot(), probes.snapshot(), datetime.now(UTC))

    runtime = Runtime(
        settings=settings,
        cluster=source,
        probes=probes,
        changes=changes,
        board=BoardCache(build, environment(assets)),
        assets=assets,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if assets.missing:
            log.warning("htmx assets missing: run `make frontend-assets`",
                        extra={"missing": assets.missing})  # fmt: skip
        await asyncio.to_thread(source.start)
        tasks = [
            asyncio.create_task(changes.run(), name="changes"),
            asyncio.create_task(probes.run(), name="backend-probes"),
        ]
        try:
            yield
        finally:
            await changes.close()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.to_thread(source.stop)

    app = FastAPI(
        title="frontend",
        summary="Rollout board: live Deployment status from a Kubernetes watch cache.",
        version=settings.version or "0.0.0+unknown",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.runtime = runtime
    errors.install(app)
    for router in (pages.router, events.router, api.router, health.router, static.router):
        app.include_router(router)
    metrics.install(app, runtime)
    app.add_middleware(AccessLog, logger="frontend.access")
    app.add_middleware(SecurityHeaders)
    return app
