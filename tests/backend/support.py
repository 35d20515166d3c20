"""What the backend's in-process tests share besides fixtures (those stay in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.support.constants import FAULTS_TOKEN

# The ``make_client`` fixture: settings overrides in, a started app's client out.
ClientFactory = Callable[..., TestClient]

# The header every /faults call needs (the drill token the ``drill_client`` app is built with).
AUTH = {"Authorization": f"Bearer {FAULTS_TOKEN}"}
