"""One JSON error shape for every non-2xx answer of every service: ``{"error": {...}}``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from servicekit.error_body import error_payload

__all__ = ["error_payload", "install", "request_id"]


def request_id(request: Request) -> str | None:
    """The id a request-id middleware stored in the ASGI scope's state, if any."""
    value = request.scope.get("state", {}).get("request_id")
    return value if isinstance(value, str) else None


def install(app: FastAPI) -> None:
    """Replace FastAPI's ``{"detail": ...}`` bodies with the project's error shape."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404 and exc.detail == "Not Found":
            message = f"no route for {request.method} {request.url.path}"
        elif exc.status_code == 405:
            message = f"method {request.method} is not allowed on {request.url.path}"
        else:
            message = str(exc.detail)
        return JSONResponse(
            error_payload(exc.status_code, message, request_id(request)),
            status_code=exc.status_code,
            headers=exc.headers,
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
