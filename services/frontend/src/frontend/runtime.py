"""Mutable runtime state of one frontend process, owned by the app (no globals)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from frontend.live import Changes
from frontend.probes import BackendProbes
from frontend.settings import Settings
from frontend.snapshot import ClusterSnapshot
from frontend.views import Assets, BoardCache


class ClusterSource(Protocol):
    """What the app needs from the watch cache (tests pass captured objects instead)."""

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def snapshot(self) -> ClusterSnapshot: ...


@dataclass
class Runtime:
    settings: Settings
    cluster: ClusterSource
    probes: BackendProbes
    changes: Changes
    board: BoardCache
    assets: Assets
    sse_clients: int = 0
