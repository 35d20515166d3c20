"""Cards kept between board builds, rebuilt only when what they read changed.

A card's inputs are the resourceVersions of the objects it is built from (the workload,
its ReplicaSets or ControllerRevisions, its pods), the Warning events of its namespace
(events are matched to cards by the index, so a namespace's events are one input), and
the backend's ``/meta`` when the card is the backend's. A card is also rebuilt once per
``refresh_seconds``, so what depends on the clock (ages in the API, "unschedulable for")
stays fresh; each card's turn is offset by a hash of its key, so the refresh is spread
over the period instead of rebuilding the whole board at once.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime

from frontend.snapshot import Json
from frontend.status.card import DeploymentCard
from frontend.status.objects import text


def versions(objects: Iterable[Json]) -> tuple[str, ...]:
    """The resourceVersions of OBJECTS, in order: any change to any of them changes this."""
    return tuple(text(obj, "metadata", "resourceVersion") for obj in objects)


class CardCache:
    """The last card built per workload, with what it was built from."""

    def __init__(self, refresh_seconds: float = 60.0) -> None:
        self.refresh_seconds = refresh_seconds
        self._cards: dict[str, tuple[Hashable, DeploymentCard]] = {}
        self.built = 0
        self.reused = 0

    def card(
        self, key: str, inputs: Hashable, now: datetime, build: Callable[[], DeploymentCard]
    ) -> DeploymentCard:
        offset = zlib.crc32(key.encode()) % max(int(self.refresh_seconds), 1)
        fingerprint = (inputs, int((now.timestamp() + offset) // self.refresh_seconds))
        known = self._cards.get(key)
        if known is not None and known[0] == fingerprint:
            self.reused += 1
            return known[1]
        card = build()
        self._cards[key] = (fingerprint, card)
        self.built += 1
        return card

    def retain(self, keys: Iterable[str]) -> None:
        """Forget the cards of workloads that are gone."""
        wanted = set(keys)
        for key in [k for k in self._cards if k not in wanted]:
            del self._cards[key]
