"""``GET /api/v1/status``: the board's data with a stable, versioned schema, for CI."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response

from frontend.board.model import Board, Entry
from frontend.cluster.kinds import ALL_NAMESPACES, NAMESPACE_PATTERN
from frontend.deps import RuntimeDep
from frontend.models import (
    BackendInfo,
    BackendProbe,
    ClusterInfo,
    DeploymentEntry,
    NamespaceStatus,
    StatusV1,
    WorkloadEntry,
)
from frontend.probes.results import ProbeResult
from servicekit.http import NO_STORE
from servicekit.redaction import redact_url

router = APIRouter(prefix="/api/v1", tags=["api"])


def _probe(result: ProbeResult) -> BackendProbe:
    meta = result.meta or {}
    return BackendProbe(
        target=result.target,
        url=redact_url(result.url),
        version=meta.get("version"),
        git_sha=meta.get("git_sha"),
        ready=result.ready,
        ready_detail=result.ready_detail,
        latency_ms=result.latency_ms,
        last_success=result.last_success,
        last_error=result.last_error,
    )


def _workloads(entries: Iterable[Entry], kind: str) -> list[WorkloadEntry]:
    return [
        WorkloadEntry(workload=e.card, gitops=list(e.gitops))
        for e in entries
        if e.card.kind == kind
    ]


def status_document(board: Board, version: int, namespace: str | None = None) -> StatusV1:
    objects = board.objects
    groups = [g for g in board.groups if namespace is None or g.namespace == namespace]
    counts = Counter(e.card.health.code.value for g in groups for e in g.entries)
    return StatusV1(
        generated_at=board.generated_at,
        board_version=version,
        cluster=ClusterInfo(
            configured=objects.configured,
            source=objects.source,
            server=objects.server,
            namespaces=list(objects.namespaces),
            synced=objects.synced,
            stale_since=objects.stale_since,
            problems=list(objects.problems),
            api_state=objects.api_state,
            nodes=list(board.nodes),
            nodes_left_out=board.nodes_left_out,
        ),
        backend=BackendInfo(
            **_probe(board.backend.service).model_dump(),
            stale=board.backend_stale,
            pods=[_probe(p) for p in board.backend.pods],
        ),
        health_counts=dict(counts),
        namespaces=[
            NamespaceStatus(
                namespace=g.namespace,
                environment=g.environment,
                deployments=[
                    DeploymentEntry(deployment=e.card, gitops=list(e.gitops))
                    for e in g.entries
                    if e.card.kind == "Deployment"
                ],
                statefulsets=_workloads(g.entries, "StatefulSet"),
                daemonsets=_workloads(g.entries, "DaemonSet"),
            )
            for g in groups
        ],
    )


@router.get(
    "/status",
    response_model=StatusV1,
    responses={404: {"description": "The namespace is not one the board watches."}},
)
async def read_status(
    runtime: RuntimeDep,
    response: Response,
    namespace: Annotated[str | None, Query(pattern=NAMESPACE_PATTERN, max_length=63)] = None,
) -> StatusV1:
    """Every workload's verdict and the backend's report, from the cache (no API calls)."""
    version = runtime.feed.version
    board = await runtime.board.board(version)
    watched = board.objects.namespaces
    if namespace is not None and ALL_NAMESPACES not in watched and namespace not in watched:
        raise HTTPException(404, f"namespace {namespace!r} is not watched")
    response.headers.update(NO_STORE)
    return status_document(board, version, namespace)
