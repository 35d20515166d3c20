"""The frontend's own liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from frontend.deps import RuntimeDep
from servicekit.http import NO_STORE

router = APIRouter(tags=["probes"])


class Probe(BaseModel):
    status: str
    detail: str


# servicekit.edge answers GET /healthz with these bytes before the framework sees it.
LIVENESS = (200, b'{"status":"ok","detail":"serving"}')


@router.get("/healthz", response_model=Probe)
async def read_liveness() -> Response:
    """Liveness: 200 while the process can serve."""
    status, body = LIVENESS
    return Response(body, status, NO_STORE, media_type="application/json")


@router.get(
    "/readyz",
    response_model=Probe,
    responses={
        503: {
            "model": Probe,
            "description": "The cluster configuration is unusable, or the first cache sync "
            "is not done.",
        }
    },
)
async def read_readiness(runtime: RuntimeDep) -> JSONResponse:
    """Ready once every watch has its first answer, or at once when no cluster is configured;
    never while a configured cluster cannot be used (a broken kubeconfig must not roll out)."""
    snap = runtime.objects.snapshot()
    if snap.setup_error:
        body = {"status": "unavailable", "detail": snap.setup_error}
        return JSONResponse(body, status_code=503, headers=NO_STORE)
    if not snap.configured:
        body = {"status": "ok", "detail": "no cluster configured: serving the backend panel only"}
        return JSONResponse(body, headers=NO_STORE)
    if snap.synced:
        return JSONResponse({"status": "ok", "detail": "cache synced"}, headers=NO_STORE)
    waiting = [f"{s.kind}/{s.namespace}" for s in snap.streams if not s.settled]
    body = {"status": "unavailable", "detail": "waiting for first sync: " + ", ".join(waiting)}
    return JSONResponse(body, status_code=503, headers=NO_STORE)
