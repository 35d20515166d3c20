"""The board memo: one build and one render per board version, however many ask."""

from __future__ import annotations

import asyncio

from frontend.assets import Assets
from frontend.board import Board, build_board
from frontend.board_memo import BoardMemo
from frontend.rendering import environment
from frontend.snapshot import ProbeResult, ProbeSnapshot
from tests.frontend.support.fakes import StaticCluster
from tests.support.objects import NOW, rollout

PROBES = ProbeSnapshot(service=ProbeResult(target="service", url="http://backend"))


def _memo() -> tuple[BoardMemo, list[Board]]:
    built: list[Board] = []

    def build() -> Board:
        built.append(build_board(StaticCluster(rollout("web")).snapshot(), PROBES, NOW))
        return built[-1]

    return BoardMemo(build, environment(Assets.discover(None))), built


def test_board_memo_builds_once_for_many_concurrent_viewers_of_a_version() -> None:
    memo, built = _memo()

    async def viewers() -> list[tuple[Board, str]]:
        return await asyncio.gather(*(memo.get(7) for _ in range(20)))

    answers = asyncio.run(viewers())

    assert (len(built), memo.renders) == (1, 1)
    assert all(board is built[0] for board, _ in answers)
    assert len({fragment for _, fragment in answers}) == 1
    assert 'data-version="7"' in answers[0][1]
    assert 'id="d-shop-web"' in answers[0][1]


def test_board_memo_rebuilds_when_the_version_moves() -> None:
    memo, built = _memo()

    async def three_reads() -> list[str]:
        return [(await memo.get(version))[1] for version in (1, 1, 2)]

    fragments = asyncio.run(three_reads())

    assert (len(built), memo.renders) == (2, 2)
    assert fragments[0] == fragments[1]
    assert 'data-version="1"' in fragments[0]
    assert 'data-version="2"' in fragments[2]
