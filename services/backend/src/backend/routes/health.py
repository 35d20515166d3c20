"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backend.deps import FaultsDep, VerdictDep
from backend.models import CheckResult, Liveness, Readiness
from servicekit.http import NO_STORE

router = APIRouter(tags=["probes"])


@router.get(
    "/healthz",
    response_model=Liveness,
    responses={503: {"model": Liveness, "description": "Liveness broken by a fault drill."}},
)
async def read_liveness(faults: FaultsDep) -> JSONResponse:
    """Liveness: 200 while the process can serve, draining included."""
    if faults.liveness_failing:
        body = Liveness(status="failing", reason="liveness failure injected by fault drill")
        return JSONResponse(body.model_dump(), status_code=503, headers=NO_STORE)
    return JSONResponse(Liveness(status="ok").model_dump(exclude_none=True), headers=NO_STORE)


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "At least one check fails."}},
)
async def read_readiness(verdict: VerdictDep) -> JSONResponse:
    """Readiness: every check with its state, like the apiserver's ``/readyz?verbose``."""
    body = Readiness(
        status="ok" if verdict.ready else "unavailable",
        checks=[CheckResult(name=c.name, ok=c.ok, message=c.message) for c in verdict.checks],
    )
    return JSONResponse(
        body.model_dump(), status_code=200 if verdict.ready else 503, headers=NO_STORE
    )
