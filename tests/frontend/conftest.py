"""Frontend fixtures: the real app in-process, fed through the ``ClusterSource`` seam."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from frontend.app import create_app
from frontend.runtime import ClusterSource
from frontend.settings import Settings

ClientFactory = Callable[..., TestClient]

# A backend URL nothing listens on: probes fail fast and never leave the machine.
DEAD_BACKEND = "http://127.0.0.1:9"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Debian's Chromium through Playwright")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read the environment; keep the developer's FRONTEND_* out of the tests."""
    for name in list(os.environ):
        if name.startswith("FRONTEND_") or name == "KUBERNETES_SERVICE_HOST":
            monkeypatch.delenv(name)


@pytest.fixture
def make_client() -> Iterator[ClientFactory]:
    """Build a started app (lifespan entered) from a cluster source and settings overrides."""
    clients: list[TestClient] = []

    def factory(cluster: ClusterSource | None = None, **overrides: Any) -> TestClient:
        settings = Settings(**{"backend_url": DEAD_BACKEND, "probe_timeout_seconds": 0.5,
                               **overrides})  # fmt: skip
        client = TestClient(create_app(settings, cluster), raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.__exit__(None, None, None)
