"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Response

from backend.deps import AnswersDep
from backend.models import Liveness, Readiness
from servicekit.http import NO_STORE

router = APIRouter(tags=["probes"])


@router.get(
    "/healthz",
    response_model=Liveness,
    responses={503: {"model": Liveness, "description": "Liveness broken by a fault drill."}},
)
async def read_liveness(answers: AnswersDep) -> Response:
    """Liveness: 200 while the process can serve, draining included."""
    status, body = answers.liveness()
    return Response(body, status, NO_STORE, media_type="application/json")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "At least one check fails."}},
)
async def read_readiness(answers: AnswersDep) -> Response:
    """Readiness: every check with its state, like the apiserver's ``/readyz?verbose``."""
    status, body = answers.readiness()
    return Response(body, status, NO_STORE, media_type="application/json")
