"""Frontend fixtures: the real app in-process, fed through the ``ObjectSource`` seam."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from frontend.app import create_app
from frontend.cluster.snapshot import ObjectSource
from frontend.delivery.panel import Reader
from frontend.settings import Settings
from tests.frontend.support import ClientFactory
from tools.platformkit.processes import DEAD_BACKEND


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
    """Build a started app (lifespan entered) from an object source and settings overrides."""
    clients: list[TestClient] = []

    def factory(
        objects: ObjectSource | None = None, read_delivery: Reader | None = None, **overrides: Any
    ) -> TestClient:
        settings = Settings(**{"backend_url": DEAD_BACKEND, "probe_timeout_seconds": 0.5,
                               **overrides})  # fmt: skip
        app = create_app(settings, objects, read_delivery=read_delivery)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.__exit__(None, None, None)
