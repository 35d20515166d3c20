"""In-process fixtures: the real app behind httpx's ASGI transport (via TestClient)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.settings import Settings
from tests.backend.support import ClientFactory
from tests.support.constants import FAULTS_TOKEN, SHA_A


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read the environment; keep the developer's BACKEND_* out of the tests."""
    for name in list(os.environ):
        if name.startswith("BACKEND_"):
            monkeypatch.delenv(name)


@pytest.fixture
def make_client() -> Iterator[ClientFactory]:
    """Build a started app (lifespan entered) from settings overrides."""
    clients: list[TestClient] = []

    def factory(**overrides: Any) -> TestClient:
        client = TestClient(create_app(Settings(**overrides)), raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: ClientFactory) -> TestClient:
    return make_client(git_sha=SHA_A, version="1.2.3", environment="dev")


@pytest.fixture
def drill_client(make_client: ClientFactory) -> TestClient:
    return make_client(git_sha=SHA_A, faults_enabled=True, faults_token=FAULTS_TOKEN)
