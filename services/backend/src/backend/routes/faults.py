"""Fault drills: mounted only when enabled, and guarded by a bearer token."""

from __future__ import annotations

import hmac
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from backend.models import FaultsPatch, FaultsView
from backend.state import Faults, RuntimeState

log = logging.getLogger("backend.faults")
_bearer = HTTPBearer(auto_error=False)


def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    expected: str = request.app.state.faults_token
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token", challenge)
    if not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid bearer token", challenge)


router = APIRouter(prefix="/faults", tags=["faults"], dependencies=[Depends(require_token)])


def _faults(request: Request) -> Faults:
    runtime: RuntimeState = request.app.state.runtime
    return runtime.faults


def _view(faults: Faults) -> FaultsView:
    return FaultsView(
        readiness_disabled=faults.readiness_disabled,
        liveness_failing=faults.liveness_failing,
        latency_ms=faults.latency_ms,
        error_rate=faults.error_rate,
    )


@router.get("", response_model=FaultsView)
async def read_faults(request: Request) -> FaultsView:
    """Current drill state."""
    return _view(_faults(request))


@router.patch("", response_model=FaultsView)
async def update_faults(request: Request, patch: FaultsPatch) -> FaultsView:
    """Switch drills on or off; omitted fields are unchanged."""
    faults = _faults(request)
    changes = patch.model_dump(exclude_none=True)
    for name, value in changes.items():
        setattr(faults, name, value)
    log.warning("fault drill changed", extra={"changes": changes})
    return _view(faults)


@router.delete("", response_model=FaultsView)
async def clear_faults(request: Request) -> FaultsView:
    """Clear every drill."""
    faults = _faults(request)
    faults.clear()
    log.warning("fault drills cleared")
    return _view(faults)
