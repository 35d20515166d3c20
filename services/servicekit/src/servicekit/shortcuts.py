"""Endpoints answered before the framework: probes, build metadata, metrics.

A probe is hit by every kubelet, load balancer and smoke test, so its route should cost
as little as the language allows: a GET or HEAD without a body to one of these exact
paths calls the endpoint straight away, without the framework's router, middleware and
dependency solving (about a third of the throughput, bench/backend.md). Each endpoint is
written once, as a plain ``async def endpoint(request) -> Response``; the framework
registers the same function with its model (``document``), so the OpenAPI document
describes it and a request with a body reaches the same code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:  # only the framework's build imports FastAPI
    from fastapi import FastAPI

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Shortcut:
    """A GET endpoint at an exact path, and what the OpenAPI document says of it."""

    path: str
    endpoint: Endpoint
    tags: tuple[str, ...]
    model: type[Any] | None = None  # the JSON body's model (None: not JSON)
    responses: Mapping[int | str, dict[str, Any]] = field(default_factory=dict)
    media_type: str = "application/json"


class ExactRoute(Route):
    """A route at one exact path: matched by comparing strings, not a regular expression
    (the metrics middleware asks every route of every request)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["path"] != self.path:
            return Match.NONE, {}
        child = {"endpoint": self.endpoint, "path_params": {}}
        return (Match.FULL if scope["method"] in (self.methods or ()) else Match.PARTIAL), child


class Shortcuts:
    """Answers SHORTCUTS' paths itself; every other request goes to FRAMEWORK.

    ``routes`` are the shortcuts' and then the framework's (once it has any), so the
    metrics middleware names every request by its template (``HttpMetrics.middleware``).
    """

    def __init__(self, framework: ASGIApp, shortcuts: Sequence[Shortcut]) -> None:
        self.framework = framework
        self._routes = {s.path: ExactRoute(s.path, s.endpoint, methods=["GET"]) for s in shortcuts}
        self._endpoints = {s.path: s.endpoint for s in shortcuts}

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(self._endpoints)

    @property
    def routes(self) -> list[BaseRoute]:
        return [*self._routes.values(), *getattr(self.framework, "routes", ())]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            endpoint = self._endpoints.get(scope["path"])
            if endpoint is not None and not _has_body(scope):
                scope["route"] = self._routes[scope["path"]]  # the access log's template
                response = await endpoint(Request(scope, receive))
                await response(scope, receive, send)
                return
        await self.framework(scope, receive, send)


def _has_body(scope: Scope) -> bool:
    for name, _ in scope["headers"]:  # noqa: SIM110 - a loop: half the cost of any() here
        if name in (b"content-length", b"transfer-encoding"):
            return True
    return False


def document(app: FastAPI, shortcuts: Sequence[Shortcut]) -> None:
    """Register each shortcut's endpoint with APP: the OpenAPI document describes it,
    and a request the shortcut does not take (one with a body) gets the same answer."""
    for s in shortcuts:
        if s.model is not None:
            app.add_api_route(s.path, s.endpoint, methods=["GET"], response_model=s.model,
                              responses=dict(s.responses), tags=list(s.tags))  # fmt: skip
        else:  # not JSON: the document names its media type
            body: dict[int | str, dict[str, Any]] = {200: {"content": {s.media_type: {}}}}
            app.add_api_route(s.path, s.endpoint, methods=["GET"], response_class=Response,
                              responses={**body, **s.responses}, tags=list(s.tags))  # fmt: skip
