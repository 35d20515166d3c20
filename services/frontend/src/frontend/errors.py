"""One JSON error shape for every non-2xx answer: ``{"error": {...}}`` (as the backend)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    422: "invalid_request",
    500: "internal_error",
}


def error_payload(status: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"status": status, "code": _CODES.get(status, "error"), "message": message,
                      **extra}}  # fmt: skip


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
            error_payload(exc.status_code, message), exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        return JSONResponse(error_payload(422, f"invalid request: {summary}", fields=fields), 422)
