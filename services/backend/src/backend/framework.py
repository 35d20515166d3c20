"""The FastAPI app: every route, documented, behind the edge.

Built by servicekit.deferred.Deferred on the first request the edge does not answer
itself (drills, the OpenAPI document, errors); the probes, /meta and /metrics are
answered at the edge, from the same bytes these routes give.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import State

from backend.middleware import BodyLimit, FaultInjection
from backend.routes import faults, health, meta
from backend.runtime import Runtime
from backend.settings import Settings
from servicekit.app import service_app
from servicekit.http_metrics import HttpMetrics
from servicekit.metrics_route import metrics_router


def framework(
    settings: Settings, runtime: Runtime, state: State, http_metrics: HttpMetrics
) -> FastAPI:
    app = service_app("backend", settings, docs=settings.docs_enabled)
    # The edge's state, so routes read the same runtime and answers the tests see.
    app.state = state
    app.include_router(health.router)
    app.include_router(meta.router)
    if settings.faults_enabled and settings.faults_token is not None:
        app.include_router(faults.router)
    app.include_router(metrics_router(http_metrics))
    # Middleware added last runs outermost. Faults sit inside the body limit; the edge
    # wraps everything, so even a 413 or an injected 500 carries X-Build-SHA and a
    # request id and is counted and logged.
    app.add_middleware(FaultInjection, runtime=runtime)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    return app
