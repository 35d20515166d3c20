"""One board version as the app builds it: the cards (``BoardBuilder``), then the
environments view over them (``EnvironmentsMemo``). The app and the benchmarks share it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from delivery.report import Event
from frontend.board.builder import BoardBuilder
from frontend.board.model import Board
from frontend.cluster.kinds import CARD_KINDS
from frontend.cluster.snapshot import ObjectSnapshot
from frontend.environments.configrepo import ConfigOverlays
from frontend.environments.view import EnvironmentsMemo
from frontend.probes.results import ProbeSnapshot

# What a promotion step compares: every kind of workload the board has cards for.
WORKLOAD_PLURALS = tuple(kind.plural for kind in CARD_KINDS)


class BoardAssembly:
    """Keeps what makes the next version cheap: the builder's cards and the last view."""

    def __init__(self, refresh_seconds: float = 60.0, config: ConfigOverlays | None = None) -> None:
        self.builder = BoardBuilder(refresh_seconds)
        self.environments = EnvironmentsMemo(config)

    def build(
        self,
        objects: ObjectSnapshot,
        backend: ProbeSnapshot,
        now: datetime,
        backend_selector: Mapping[str, str] | None = None,
        outcomes: Mapping[str, Event] | None = None,
    ) -> Board:
        board = self.builder.build(objects, backend, now, backend_selector)
        view = self.environments.view(
            board.groups,
            objects.of_kind("kustomizations"),
            lambda namespaces: (
                obj for plural in WORKLOAD_PLURALS for obj in objects.of_kind_in(plural, namespaces)
            ),
            outcomes,
            objects.of_kind("applications"),
        )
        return replace(board, environments=view)
