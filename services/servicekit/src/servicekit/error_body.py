"""The error body every service answers non-2xx with: ``{"error": {...}}``.

Kept apart from servicekit.errors, which installs it into FastAPI, so the answers
given at the edge can use it without importing the framework.
"""

from __future__ import annotations

import json
from typing import Any

_REASONS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "payload_too_large",
    415: "unsupported_media_type",
    431: "request_header_fields_too_large",
    422: "invalid_request",
    500: "internal_error",
    503: "unavailable",
}


def error_payload(
    status: int, message: str, request_id: str | None = None, **extra: Any
) -> dict[str, Any]:
    """The error body; ``request_id`` appears when the service tracks one."""
    body: dict[str, Any] = {
        "status": status,
        "code": _REASONS.get(status, "error"),
        "message": message,
    }
    if request_id is not None:
        body["request_id"] = request_id
    body.update(extra)
    return {"error": body}


def error_json(status: int, message: str, request_id: str | None = None) -> bytes:
    """The error body as bytes, for answers written below the framework (the edge's,
    middleware's and the HTTP protocol's)."""
    return json.dumps(error_payload(status, message, request_id)).encode()


def error_schema() -> dict[str, Any]:
    """The JSON schema of ``{"error": {...}}``, for the OpenAPI document."""
    field = {
        "type": "object",
        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
        "required": ["field", "message"],
    }
    detail = {
        "type": "object",
        "properties": {
            "status": {"type": "integer"},
            "code": {"type": "string", "enum": sorted({*_REASONS.values(), "error"})},
            "message": {"type": "string"},
            "request_id": {"type": "string"},
            "fields": {"type": "array", "items": field},
        },
        "required": ["status", "code", "message"],
    }
    return {
        "title": "Error",
        "type": "object",
        "properties": {"error": detail},
        "required": ["error"],
    }
