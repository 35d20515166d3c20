from __future__ import annotations

from pathlib import Path

import pytest

from tests.delivery.gitrepo import make_repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A real git repository with one dev overlay, committed."""
    return make_repo(tmp_path)
