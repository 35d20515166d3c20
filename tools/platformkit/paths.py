"""Where things are: the repository root (every path the platform reads hangs off it)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
