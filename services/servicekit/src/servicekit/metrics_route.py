"""``GET /metrics`` for the framework, where the OpenAPI document describes it.

servicekit.edge answers the same path with the same bytes before the framework sees
the request; this route is what the documentation shows and what a request with a
body reaches.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from servicekit.http_metrics import HttpMetrics


def metrics_router(metrics: HttpMetrics) -> APIRouter:
    router = APIRouter(tags=["metrics"])
    content_type = metrics.content_type.decode()

    @router.get(
        metrics.path,
        response_class=Response,
        responses={200: {"content": {content_type: {}}, "description": "Metrics."}},
    )
    async def read_metrics() -> Response:
        """Prometheus exposition of this process's metrics."""
        return Response(metrics.exposition(), media_type=content_type)

    return router
