"""The FastAPI app: every route, documented, behind the edge.

Built by servicekit.deferred.Deferred on the first request the shortcuts do not take
(drills, the OpenAPI document, errors). The probes, /meta and /metrics are the
shortcuts' endpoints, registered here too (servicekit.shortcuts.document).
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from starlette.datastructures import State

from backend.middleware import BodyLimit, FaultInjection
from backend.routes import faults
from backend.runtime import Runtime
from backend.settings import Settings
from servicekit.app import service_app
from servicekit.shortcuts import Shortcut, document


def framework(
    settings: Settings, runtime: Runtime, state: State, shortcuts: Sequence[Shortcut]
) -> FastAPI:
    app = service_app("backend", settings, docs=settings.docs_enabled)
    # The edge's state, so routes read the same runtime and answers the tests see.
    app.state = state
    document(app, shortcuts)
    if settings.faults_enabled and settings.faults_token is not None:
        app.include_router(faults.router)
    # Middleware added last runs outermost. Faults sit inside the body limit; the edge
    # wraps everything, so even a 413 or an injected 500 carries X-Build-SHA and a
    # request id and is counted and logged.
    app.add_middleware(FaultInjection, runtime=runtime)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    return app
