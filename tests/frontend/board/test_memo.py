"""The board memo: one build and one render per board version, however many ask."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from frontend.assets import Assets
from frontend.board.builder import build_board
from frontend.board.memo import BoardMemo
from frontend.board.model import Board
from frontend.environments.view import EnvironmentsMemo
from frontend.rendering import environment
from tests.frontend.status.fixtures import load_flux
from tests.frontend.support.fakes import PROBES, StaticCluster
from tools.platformkit.objects import NOW, rollout

DEV, STAGING = "capflux-dev", "capflux-staging"


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


def _changing_memo(boards: list[list[dict[str, object]]]) -> BoardMemo:
    """A memo whose Nth build sees the Nth list of objects."""
    snapshots = iter(boards)

    def build() -> Board:
        return build_board(StaticCluster(next(snapshots)).snapshot(), PROBES, NOW)

    return BoardMemo(build, environment(Assets.discover(None)))


def test_a_change_to_one_card_renders_and_sends_only_that_card() -> None:
    many = [obj for n in range(20) for obj in rollout(f"web{n:02d}")]
    scaled = [obj for n in range(20) for obj in rollout(f"web{n:02d}", ready=2 if n == 7 else None)]
    memo = _changing_memo([many, scaled])

    async def two_versions() -> tuple[str, str | None]:
        _, full = await memo.get(1)
        return full, await memo.delta(1, 2)

    full, delta = asyncio.run(two_versions())

    assert delta is not None
    assert memo.card_renders == 21  # 20 cards once, then only the one that changed
    assert delta.count("<article ") == 1
    assert 'id="d-shop-web07"' in delta
    assert '<article hx-swap-oob="true" class="card' in delta
    for part in ('id="banners" hx-swap-oob="true"', 'id="backend-panel" hx-swap-oob="true"',
                 'id="board-foot" data-version="2" hx-swap-oob="true"'):  # fmt: skip
        assert part in delta
    assert len(delta) < len(full) / 5


def test_added_and_removed_cards_are_inserted_after_their_neighbour_and_deleted() -> None:
    names = ["api", "web", "worker"]
    memo = _changing_memo([
        [o for n in ("web", "worker") for o in rollout(n)],
        [o for n in names for o in rollout(n)],  # api: before every other card
        [o for n in ("api", "web", "web2", "worker") for o in rollout(n)],  # web2: after web
        [o for n in ("api", "web2") for o in rollout(n)],  # web and worker go
    ])  # fmt: skip

    async def deltas() -> list[str | None]:
        await memo.get(1)
        return [await memo.delta(v, v + 1) for v in (1, 2, 3)]

    first, second, third = (delta or "" for delta in asyncio.run(deltas()))
    assert memo.card_renders == 4  # each card once
    assert '<div hx-swap-oob="afterbegin:#cards-shop"><article class="card' in first
    assert first.count("<article ") == 1
    assert '<div hx-swap-oob="afterend:#d-shop-web"><article class="card' in second
    assert 'id="d-shop-web2"' in second
    assert third.count("<article ") == 2
    for gone in ("d-shop-web", "d-shop-worker"):
        assert f'<article id="{gone}" hx-swap-oob="delete"></article>' in third


def test_a_dotted_name_is_escaped_in_the_insertion_selector() -> None:
    memo = _changing_memo([rollout("a.b"), [*rollout("a.b"), *rollout("a.c")]])

    async def delta() -> str | None:
        await memo.get(1)
        return await memo.delta(1, 2)

    assert 'hx-swap-oob="afterend:#d-shop-a\\.b"' in (asyncio.run(delta()) or "")


def test_a_new_namespace_or_a_forgotten_version_needs_the_whole_board() -> None:
    memo = _changing_memo(
        [rollout("web"), [*rollout("web"), *rollout("api", namespace="other")], rollout("web")]
    )

    async def deltas() -> list[str | None]:
        await memo.get(1)
        return [await memo.delta(1, 2), await memo.delta(99, 3)]

    assert asyncio.run(deltas()) == [None, None]


def test_the_framed_board_and_deltas_are_encoded_once_and_shared_by_every_viewer() -> None:
    memo = _changing_memo([rollout("web"), rollout("web", ready=1)])

    async def viewers() -> tuple[list[bytes], list[bytes | None]]:
        boards = await asyncio.gather(*(memo.board_message(1) for _ in range(10)))
        deltas = await asyncio.gather(*(memo.delta_message(1, 2) for _ in range(10)))
        return list(boards), list(deltas)

    boards, deltas = asyncio.run(viewers())
    assert all(board is boards[0] for board in boards)
    assert boards[0].startswith(b"event: board\ndata: ")
    assert all(delta is deltas[0] for delta in deltas)
    assert (deltas[0] or b"").startswith(b"event: delta\ndata: ")
    assert memo.renders == 2


def test_the_environments_view_is_sent_again_only_when_it_is_a_new_view() -> None:
    # Recorded Kustomizations (real Flux) deliver backend to dev and staging.
    flux = [load_flux("ready").kustomization, load_flux("dependency-not-ready").kustomization]
    objects = StaticCluster(
        rollout("backend", DEV) + rollout("backend", STAGING) + flux, (DEV, STAGING)
    ).snapshot()
    board = build_board(objects, PROBES, NOW)
    first = EnvironmentsMemo().view(
        board.groups, objects.of_kind("kustomizations"), lambda _ns: objects.of_kind("deployments")
    )
    # What EnvironmentsMemo makes: a new row object for a changed application; new
    # columns when a Kustomization changed.
    row_changed = replace(first, rows=(replace(first.rows[0]),))
    columns_changed = replace(row_changed, environments=(*row_changed.environments,))
    views = iter([first, first, row_changed, columns_changed])

    def build() -> Board:
        return replace(board, environments=next(views))

    memo = BoardMemo(build, environment(Assets.discover(None)))

    async def deltas() -> tuple[str, list[str | None]]:
        _, full = await memo.get(1)
        return full, [await memo.delta(n, n + 1) for n in (1, 2, 3)]

    full, (same, one_row, columns) = asyncio.run(deltas())
    assert 'id="environments"' in full
    assert same is not None
    assert one_row is not None
    assert columns is not None
    assert "env-app" not in same
    assert 'id="environments-panel"' not in same
    assert '<tbody hx-swap-oob="true" class="env-app" id="env-app-backend">' in one_row
    assert 'id="environments-panel"' not in one_row
    assert 'id="environments-panel" hx-swap-oob="true"' in columns
    assert memo.row_renders == 2  # the first view's row, then the one new row object
