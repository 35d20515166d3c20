"""Root conftest: shared plugins for every tier."""

from __future__ import annotations

from pathlib import Path

_SUPPORT = Path(__file__).parent / "support"

# The real-cluster plugin arrives with tools/cluster; register it when present.
pytest_plugins = ["tests.support.cluster"] if (_SUPPORT / "cluster.py").exists() else []
