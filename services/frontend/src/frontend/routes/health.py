"""The frontend's own liveness and readiness probes.

Liveness is a shortcut (servicekit.shortcuts): answered before the framework, and
registered with it for the document. Readiness goes through the framework.
"""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from frontend.board.liveness import liveness
from frontend.deps import RuntimeDep
from frontend.state import Runtime
from servicekit.http import NO_STORE
from servicekit.shortcuts import Shortcut

router = APIRouter(tags=["probes"])


class Probe(BaseModel):
    status: str
    detail: str


def shortcut(runtime: Runtime) -> Shortcut:
    """``GET /healthz``: 200 while the board's change feed and builds keep moving."""

    async def read_liveness(_: Request) -> Response:
        """Liveness: 200 while the board's change feed and builds keep moving."""
        status, body = liveness(
            runtime.feed.beat,
            runtime.board.build_since,
            runtime.settings.liveness_stall_seconds,
            time.monotonic(),
        )
        return Response(body, status, NO_STORE, media_type="application/json")

    stalled = ("The board's machinery has stalled (its change feed or a build): "
               "restart the process.")  # fmt: skip
    return Shortcut("/healthz", read_liveness, ("probes",), Probe,
                    {503: {"model": Probe, "description": stalled}})  # fmt: skip


@router.get(
    "/readyz",
    response_model=Probe,
    responses={
        503: {
            "model": Probe,
            "description": "The cluster configuration is unusable, the first cache sync "
            "is not done, or a kind the board needs may not be listed.",
        }
    },
)
async def read_readiness(runtime: RuntimeDep) -> JSONResponse:
    """Ready once every watch has listed its kind, or at once when no cluster is configured;
    never while a configured cluster cannot be used (a broken kubeconfig, or a
    ServiceAccount that may not list a kind, must not roll out)."""
    snap = runtime.objects.snapshot()
    if snap.setup_error:
        body = {"status": "unavailable", "detail": snap.setup_error}
        return JSONResponse(body, status_code=503, headers=NO_STORE)
    if not snap.configured:
        body = {"status": "ok", "detail": "no cluster configured: serving the backend panel only"}
        return JSONResponse(body, headers=NO_STORE)
    if not snap.settled:
        waiting = [f"{s.kind}/{s.namespace}" for s in snap.streams if not s.settled]
        body = {"status": "unavailable", "detail": "waiting for first sync: " + ", ".join(waiting)}
        return JSONResponse(body, status_code=503, headers=NO_STORE)
    unread = [s for s in snap.streams if not s.synced]
    if unread:
        # A kind the board may not list shows as absent: Healthy cards with no pods. That
        # is a misconfigured pod (its RBAC), and must not become ready.
        kinds = ", ".join(f"{s.kind}/{s.namespace}" for s in unread)
        problems = "; ".join(dict.fromkeys(s.problem for s in unread if s.problem))
        body = {"status": "unavailable", "detail": f"cannot list {kinds}: {problems}"}
        return JSONResponse(body, status_code=503, headers=NO_STORE)
    return JSONResponse({"status": "ok", "detail": "cache synced"}, headers=NO_STORE)
