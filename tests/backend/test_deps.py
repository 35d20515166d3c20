from __future__ import annotations

import asyncio

import pytest
from fastapi import HTTPException
from fastapi.security import HTTPAuthorizationCredentials

from backend.deps import require_faults_token
from backend.settings import Settings


def test_faults_guard_fails_closed_when_no_token_is_configured() -> None:
    credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials="anything-at-all")
    with pytest.raises(HTTPException) as caught:
        asyncio.run(require_faults_token(Settings(), credentials))
    assert caught.value.status_code == 401
    assert caught.value.detail == "invalid bearer token"
    assert caught.value.headers == {"WWW-Authenticate": "Bearer"}
