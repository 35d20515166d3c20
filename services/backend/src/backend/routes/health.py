"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from backend import readiness
from backend.models import CheckResult, Liveness, Readiness
from backend.state import RuntimeState

router = APIRouter(tags=["probes"])

_NO_STORE = {"cache-control": "no-store"}


def current_verdict(request: Request) -> readiness.Verdict:
    state: RuntimeState = request.app.state.runtime
    return readiness.evaluate(
        state.lifecycle,
        state.faults,
        request.app.state.dependency_names,
        state.dependencies,
    )


@router.get(
    "/healthz",
    response_model=Liveness,
    responses={503: {"model": Liveness, "description": "Liveness broken by a fault drill."}},
)
async def read_liveness(request: Request) -> JSONResponse:
    """Liveness: 200 while the process can serve, draining included."""
    state: RuntimeState = request.app.state.runtime
    if state.faults.liveness_failing:
        body = Liveness(status="failing", reason="liveness failure injected by fault drill")
        return JSONResponse(body.model_dump(), status_code=503, headers=_NO_STORE)
    return JSONResponse(Liveness(status="ok").model_dump(exclude_none=True), headers=_NO_STORE)


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "At least one check fails."}},
)
async def read_readiness(request: Request) -> JSONResponse:
    """Readiness: every check with its state, like the apiserver's ``/readyz?verbose``."""
    verdict = current_verdict(request)
    body = Readiness(
        status="ok" if verdict.ready else "unavailable",
        checks=[CheckResult(name=c.name, ok=c.ok, message=c.message) for c in verdict.checks],
    )
    return JSONResponse(
        body.model_dump(), status_code=200 if verdict.ready else 503, headers=_NO_STORE
    )
