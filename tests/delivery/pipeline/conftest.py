from __future__ import annotations

from pathlib import Path

import pytest

from tests.delivery.pipeline.configrepo import Config, make_config


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """A config repository's bare origin and a work clone of it."""
    return make_config(tmp_path)
