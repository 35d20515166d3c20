"""One JSON error shape for every non-2xx answer of every service: ``{"error": {...}}``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from servicekit.error_body import error_payload, error_schema

__all__ = ["error_payload", "install", "request_id"]


def request_id(request: Request) -> str | None:
    """The id a request-id middleware stored in the ASGI scope's state, if any."""
    value = request.scope.get("state", {}).get("request_id")
    return value if isinstance(value, str) else None


def _allowed(app: FastAPI, request: Request) -> list[str]:
    """Every method some route answers on this path: what a 405's Allow lists."""
    allowed = []
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in app.router.routes):
            allowed.append(method)
    return allowed


def document(app: FastAPI) -> None:
    """Make the OpenAPI document say what the answers are: FastAPI describes its
    ``{"detail": ...}`` validation error, which install() replaces; and every route
    documents its error answers with the one error schema."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = generate()
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("ValidationError", None)
        schemas["HTTPValidationError"] = error_schema()
        ref = {"$ref": "#/components/schemas/HTTPValidationError"}
        for operations in spec.get("paths", {}).values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    if status.startswith(("4", "5")) and "content" not in answer:
                        answer["content"] = {"application/json": {"schema": ref}}
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    """Replace FastAPI's ``{"detail": ...}`` bodies with the project's error shape."""
    document(app)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404 and exc.detail == "Not Found":
            message = f"no route for {request.method} {request.url.path}"
        elif exc.status_code == 405:
            message = f"method {request.method} is not allowed on {request.url.path}"
        else:
            message = str(exc.detail)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names only the first route of the path; RFC 9110 wants all.
            headers["Allow"] = ", ".join(_allowed(app, request))
        return JSONResponse(
            error_payload(exc.status_code, message, request_id(request)),
            status_code=exc.status_code,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {"field": ".".join(str(part) for part in error["loc"]), "message": error["msg"]}
            for error in exc.errors()
        ]
        summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        body = error_payload(422, f"invalid request: {summary}", request_id(request), fields=fields)
        return JSONResponse(body, status_code=422)
