"""The FastAPI application every service starts from."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI

from servicekit import distribution, errors
from servicekit.settings import ServiceSettings

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]

# What the OpenAPI document says when no build version was baked in: a valid
# semantic version that no release will ever carry.
UNKNOWN_VERSION = "0.0.0+unknown"


def service_app(
    service: str,
    settings: ServiceSettings,
    lifespan: Lifespan | None = None,
    *,
    docs: bool = False,
) -> FastAPI:
    """A FastAPI app with the project's error bodies and no ReDoc; Swagger UI at /docs
    only with ``docs`` (it loads its script and styles from a CDN, which a strict CSP
    or an offline cluster refuses). ``/openapi.json`` is always served.

    The OpenAPI title is ``service`` and its summary the service package's own
    description, the one ``--help`` prints. ``app.state.settings`` holds ``settings``.
    ``lifespan`` is None when something else runs it (servicekit.deferred.Deferred).
    """
    app = FastAPI(
        title=service,
        summary=distribution.summary(service),
        version=settings.version or UNKNOWN_VERSION,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url=None,
        # No trailing-slash redirects: Starlette builds their Location from the Host
        # header, so `Host: evil.example` would send clients there. `/meta/` is a 404.
        redirect_slashes=False,
    )
    app.state.settings = settings
    errors.install(app)
    return app
