"""Build and deployment metadata for people, the status board and CI smoke tests."""

from __future__ import annotations

from fastapi import APIRouter, Response

from backend.deps import RuntimeDep, SettingsDep, VerdictDep
from backend.models import ImageInfo, Meta, PodInfo
from servicekit.http import NO_STORE

router = APIRouter(tags=["meta"])


@router.get("/meta", response_model=Meta)
async def read_meta(
    settings: SettingsDep, runtime: RuntimeDep, verdict: VerdictDep, response: Response
) -> Meta:
    """Which build is answering, from which image, in which pod."""
    response.headers.update(NO_STORE)
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
        started_at=runtime.lifecycle.started_at,
        uptime_seconds=round(runtime.lifecycle.uptime_seconds(), 3),
        ready=verdict.ready,
    )
