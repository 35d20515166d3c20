"""Fault drills: mounted only when enabled, and guarded by a bearer token."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends

from backend.deps import FaultsDep, require_faults_token
from backend.models import FaultsPatch, FaultsView
from backend.runtime import Faults

log = logging.getLogger("backend.faults")

router = APIRouter(
    prefix="/faults",
    tags=["faults"],
    dependencies=[Depends(require_faults_token)],
    responses={401: {"description": "No bearer token, or not BACKEND_FAULTS_TOKEN."}},
)


def _view(faults: Faults) -> FaultsView:
    return FaultsView(
        readiness_disabled=faults.readiness_disabled,
        liveness_failing=faults.liveness_failing,
        latency_ms=faults.latency_ms,
        error_rate=faults.error_rate,
    )


@router.get("", response_model=FaultsView)
async def read_faults(faults: FaultsDep) -> FaultsView:
    """Current drill state."""
    return _view(faults)


@router.patch(
    "",
    response_model=FaultsView,
    responses={400: {"description": "The body cannot be read as JSON (not UTF-8, say)."}},
)
async def update_faults(faults: FaultsDep, patch: FaultsPatch) -> FaultsView:
    """Switch drills on or off; omitted fields are unchanged."""
    changes = patch.model_dump(exclude_none=True)
    for name, value in changes.items():
        setattr(faults, name, value)
    log.warning("fault drill changed", extra={"changes": changes})
    return _view(faults)


@router.delete("", response_model=FaultsView)
async def clear_faults(faults: FaultsDep) -> FaultsView:
    """Clear every drill."""
    faults.clear()
    log.warning("fault drills cleared")
    return _view(faults)
