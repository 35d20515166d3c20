"""Application factory. Nothing here runs at import time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import partial

from fastapi import FastAPI

from frontend import metrics
from frontend.assets import Assets
from frontend.board.assembly import BoardAssembly
from frontend.board.change_feed import ChangeFeed
from frontend.board.memo import BoardMemo
from frontend.board.model import Board
from frontend.cluster.snapshot import ObjectSource
from frontend.cluster.watch_cache import WatchCache
from frontend.delivery.panel import DeliveryPanel, Reader, read_report
from frontend.environments.configrepo import ConfigOverlays
from frontend.headers import SECURITY_HEADERS
from frontend.probes.pod_targets import Target, backend_pod_targets, parse_selector
from frontend.probes.poller import BackendProbes
from frontend.rendering import environment
from frontend.routes import api, delivery, environments, feed, health, pages, static
from frontend.settings import Settings
from frontend.state import Runtime
from servicekit.app import service_app
from servicekit.edge import Edge
from servicekit.shortcuts import Shortcuts, document

log = logging.getLogger("frontend")


def create_app(
    settings: Settings, objects: ObjectSource | None = None, read_delivery: Reader | None = None
) -> Edge:
    """Build the frontend from settings.

    ``objects`` and ``read_delivery`` are injectable: tests pass fixed objects and reports.
    """
    change_feed = ChangeFeed(settings.batch_interval_ms / 1000, settings.refresh_seconds)
    source: ObjectSource = objects or WatchCache(settings, change_feed.mark)

    def pod_targets() -> list[Target]:
        pods = source.snapshot().of_kind("pods")
        return backend_pod_targets(pods, settings.backend_pod_selector, settings.backend_pod_port)

    probes = BackendProbes(settings, pod_targets, change_feed.mark)
    assets = Assets.discover(settings.vendor_dir)
    templates = environment(assets)

    backend_selector = parse_selector(settings.backend_pod_selector)
    # What a promotion would change is read from the config repository's overlays at the
    # revisions Flux applied, when the board has a checkout of it (else from live objects).
    overlays = None
    if settings.delivery_repo is not None:
        overlays = ConfigOverlays(
            settings.delivery_repo, change_feed.mark, settings.delivery_refresh_seconds
        )
    # Builds run one at a time (the board memo's lock), so the assembly needs no lock of its own.
    assembly = BoardAssembly(settings.refresh_seconds, overlays)

    def build() -> Board:
        now = datetime.now(UTC)
        board = assembly.build(
            source.snapshot(),
            probes.snapshot(),
            now,
            backend_selector,
            delivery_panel.outcomes() if delivery_panel is not None else None,
        )
        # A Flux reconcile turns stale with no event: build again when its grace ends.
        if board.next_change is not None:
            change_feed.wake_in((board.next_change - now).total_seconds())
        return board

    delivery_panel = None  # off unless a checkout of the config repository is configured
    if settings.delivery_repo is not None:
        delivery_panel = DeliveryPanel(
            settings.delivery_repo,
            settings.delivery_since_days,
            settings.delivery_refresh_seconds,
            read_delivery or partial(read_report, source_repo=settings.delivery_source_repo),
        )
    runtime = Runtime(
        settings=settings,
        objects=source,
        probes=probes,
        feed=change_feed,
        board=BoardMemo(build, templates),
        templates=templates,
        assets=assets,
        delivery=delivery_panel,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if assets.missing:
            log.warning("htmx assets missing: run `make frontend-assets`",
                        extra={"missing": assets.missing})  # fmt: skip
        await asyncio.to_thread(source.start)
        tasks = [
            asyncio.create_task(change_feed.run(), name="change-feed"),
            asyncio.create_task(probes.run(), name="backend-probes"),
        ]
        if delivery_panel is not None:
            tasks.append(asyncio.create_task(delivery_panel.run(), name="delivery-panel"))
        try:
            yield
        finally:
            change_feed.close()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if overlays is not None:
                overlays.close()
            await asyncio.to_thread(source.stop)

    app = service_app("frontend", settings, lifespan)
    app.state.runtime = runtime
    routers = (
        pages.router, delivery.router, environments.router, feed.router, api.router,
        health.router, static.router,
    )  # fmt: skip
    for router in routers:
        app.include_router(router)
    http_metrics = metrics.http_metrics(runtime)
    shortcuts = (health.shortcut(runtime), http_metrics.shortcut())
    document(app, shortcuts)
    return Edge(
        Shortcuts(app, shortcuts),
        state=app.state,
        logger="frontend.access",
        metrics=http_metrics,
        headers=SECURITY_HEADERS,
    )
