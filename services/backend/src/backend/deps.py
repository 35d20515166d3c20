"""Annotated dependency aliases, so route signatures read like prose."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from backend import readiness
from backend.readiness import Verdict
from backend.runtime import Faults, Runtime
from backend.settings import Settings

_bearer = HTTPBearer(auto_error=False)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


SettingsDep = Annotated[Settings, Depends(get_settings)]
"""The process's settings, as validated at start-up."""

RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
"""The process's runtime state: lifecycle, fault drills, dependency results."""


def get_faults(runtime: RuntimeDep) -> Faults:
    return runtime.faults


def get_verdict(runtime: RuntimeDep) -> Verdict:
    return readiness.current(runtime)


FaultsDep = Annotated[Faults, Depends(get_faults)]
"""The fault drills an operator has switched on."""

VerdictDep = Annotated[Verdict, Depends(get_verdict)]
"""The readiness verdict at the time of the request."""


def require_faults_token(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Let a request through only with ``Authorization: Bearer $BACKEND_FAULTS_TOKEN``."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token", challenge)
    expected = settings.faults_token
    # The drills are mounted only with a token; without one the guard still fails closed.
    if expected is None or not hmac.compare_digest(
        credentials.credentials.encode(), expected.get_secret_value().encode()
    ):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid bearer token", challenge)
