"""Build and deployment metadata for people, the status board and CI smoke tests."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from backend.models import ImageInfo, Meta, PodInfo
from backend.routes.health import current_verdict
from backend.settings import Settings
from backend.state import RuntimeState

router = APIRouter(tags=["meta"])


@router.get("/meta", response_model=Meta)
async def read_meta(request: Request, response: Response) -> Meta:
    """Which build is answering, from which image, in which pod."""
    settings: Settings = request.app.state.settings
    state: RuntimeState = request.app.state.runtime
    response.headers["cache-control"] = "no-store"
    return Meta(
        service=settings.service_name,
        version=settings.version,
        git_sha=settings.git_sha,
        build_time=settings.build_time,
        image=ImageInfo(ref=settings.image_ref, digest=settings.image_digest),
        environment=settings.environment,
        pod=PodInfo(
            name=settings.pod_name,
            namespace=settings.pod_namespace,
            node=settings.node_name,
            ip=settings.pod_ip,
        ),
        started_at=state.lifecycle.started_at,
        uptime_seconds=round(state.lifecycle.uptime_seconds(), 3),
        ready=current_verdict(request).ready,
    )
