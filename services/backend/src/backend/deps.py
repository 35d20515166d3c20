"""Annotated dependency aliases, so route signatures read like prose."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from backend.answers import Answers
from backend.runtime import Faults, Runtime
from backend.settings import Settings

_bearer = HTTPBearer(auto_error=False)


# Dependencies are coroutines: FastAPI runs plain functions in a thread pool, a
# thread hop per dependency per request.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_answers(request: Request) -> Answers:
    answers: Answers = request.app.state.answers
    return answers


SettingsDep = Annotated[Settings, Depends(get_settings)]
"""The process's settings, as validated at start-up."""

RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
"""The process's runtime state: lifecycle, fault drills, dependency results."""


async def get_faults(runtime: RuntimeDep) -> Faults:
    return runtime.faults


AnswersDep = Annotated[Answers, Depends(get_answers)]
"""The probes' and /meta's precomputed answers."""

FaultsDep = Annotated[Faults, Depends(get_faults)]
"""The fault drills an operator has switched on."""


async def require_faults_token(
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
