"""Build and deployment metadata for people, the status board and CI smoke tests."""

from __future__ import annotations

from fastapi import APIRouter, Response

from backend.deps import AnswersDep
from backend.models import Meta
from servicekit.http import NO_STORE

router = APIRouter(tags=["meta"])


@router.get("/meta", response_model=Meta)
async def read_meta(answers: AnswersDep) -> Response:
    """Which build is answering, from which image, in which pod."""
    status, body = answers.meta()
    return Response(body, status, NO_STORE, media_type="application/json")
