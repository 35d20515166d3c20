"""Mutable runtime state of one frontend process, owned by the app (no globals)."""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment

from frontend.assets import Assets
from frontend.board.change_feed import ChangeFeed
from frontend.board.memo import BoardMemo
from frontend.cluster.snapshot import ObjectSource
from frontend.delivery.panel import DeliveryPanel
from frontend.probes.poller import BackendProbes
from frontend.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    objects: ObjectSource
    probes: BackendProbes
    feed: ChangeFeed
    board: BoardMemo
    templates: Environment
    assets: Assets
    feed_viewers: int = 0  # open /events streams
    delivery: DeliveryPanel | None = None  # None: FRONTEND_DELIVERY_REPO unset
