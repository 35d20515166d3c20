"""The board, its rendered fragment and its deltas, memoised per board version.

The fragment is rendered once per version and shared by every viewer, so a change
costs one render however many pages are open. Each card is rendered on its own and
kept with the card it shows: a card equal to the previous version's reuses its HTML,
so a change renders only the cards it touched; a namespace whose group is the previous
version's (``BoardBuilder`` keeps unchanged groups) is not even looked at. For the last
few versions the memo keeps each card's HTML, so a viewer one or more versions behind
gets a delta instead of the board: the changed cards, the added ones (inserted after
their neighbour), the removed ones, and the board's chrome, as htmx out-of-band swaps.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from jinja2 import Environment
from markupsafe import Markup

from frontend.board.model import Board, Entry, Group
from frontend.board.sse import sse_message
from frontend.environments.view import Row

Cards = dict[str, tuple[Entry, str]]  # anchor -> (what it shows, html), board order

FRAGMENT = "_board.html"
CARD = "_card.html"
CHROME = "_chrome.html"
ENVIRONMENTS = "_environments.html"
ENVIRONMENT_ROW = "_environment_row.html"
# Versions whose cards are kept for deltas: at the default 250 ms batch, several seconds.
KEPT_VERSIONS = 32


@dataclass(frozen=True)
class RenderedGroup:
    group: Group
    cards: Cards


@dataclass
class Rendered:
    """One version: each group's cards' HTML, the chrome, and the whole fragment once asked."""

    board: Board
    version: int
    groups: dict[str, RenderedGroup]  # namespace -> its cards, board order
    chrome: str  # banners, backend panel and footer, each an out-of-band swap
    # The environments view's rows (application -> its row and HTML), each rendered again
    # only when it is a new row (``frontend.environments.view.EnvironmentsMemo`` keeps the
    # others), and sent to viewers only then.
    rows: dict[str, tuple[Row, str]]
    # Joined only when a viewer needs the whole board: at 2,000 cards that is megabytes,
    # and a viewer following along only ever needs the deltas.
    fragment: str | None = None
    message: bytes | None = None  # the fragment as one SSE message, encoded
    deltas: dict[int, bytes] = field(default_factory=dict)  # since -> SSE message, encoded


class BoardMemo:
    """The board, its fragment and its deltas for recent versions, built on demand."""

    def __init__(self, build: Callable[[], Board], templates: Environment) -> None:
        self._build = build
        self._templates = templates
        self._versions: OrderedDict[int, Rendered] = OrderedDict()
        self.renders = 0  # whole-board builds
        self.card_renders = 0  # cards rendered (the others reused their HTML)
        self.row_renders = 0  # environments view rows rendered (likewise)
        # When the build in progress began (monotonic), for liveness: a build that
        # never ends holds the lock, and with it every viewer and the API.
        self.build_since: float | None = None
        self._lock: asyncio.Lock | None = None

    def _render_cards(self, board: Board) -> dict[str, RenderedGroup]:
        previous = next(reversed(self._versions.values())).groups if self._versions else {}
        template = self._templates.get_template(CARD)
        groups: dict[str, RenderedGroup] = {}
        for group in board.groups:
            known = previous.get(group.namespace)
            if known is not None and known.group is group:
                groups[group.namespace] = known
                continue
            before = known.cards if known is not None else {}
            cards: Cards = {}
            for entry in group.entries:
                seen = before.get(entry.anchor)
                # The builder keeps unchanged entries, so identity settles most of them.
                if seen is not None and (seen[0] is entry or seen[0] == entry):
                    cards[entry.anchor] = seen
                    continue
                # ``now`` only starts the ages the page counts on (board.js).
                cards[entry.anchor] = (entry, template.render(entry=entry, now=board.generated_at))
                self.card_renders += 1
            groups[group.namespace] = RenderedGroup(group, cards)
        return groups

    def _render_rows(self, board: Board) -> dict[str, tuple[Row, str]]:
        previous = next(reversed(self._versions.values())) if self._versions else None
        if previous is not None and previous.board.environments is board.environments:
            return previous.rows
        template = self._templates.get_template(ENVIRONMENT_ROW)
        now = board.environments.rows
        then = previous.board.environments.rows if previous is not None else ()
        if len(now) == len(then):
            # Kept rows are the same objects: only the new ones are looked at.
            rows = dict(previous.rows) if previous is not None else {}  # a C-level copy
            fresh = [row for row, old in zip(now, then, strict=True) if row is not old]
        else:
            rows, fresh = {}, list(now)
            kept = previous.rows if previous is not None else {}
            for row in now:
                found = kept.get(row.application)
                if found is not None and found[0] is row:
                    rows[row.application] = found
        for row in fresh:
            found = rows.get(row.application)
            if found is None or found[0] is not row:
                rows[row.application] = (row, template.render(row=row, board=board))
                self.row_renders += 1
        if len(rows) != len(now):  # an application went while another came
            listed = {row.application for row in now}
            rows = {app: found for app, found in rows.items() if app in listed}
        return rows

    def _make(self, version: int) -> Rendered:
        board = self._build()
        groups = self._render_cards(board)
        rows = self._render_rows(board)
        chrome = self._templates.get_template(CHROME).render(board=board, version=version)
        self.renders += 1
        return Rendered(board, version, groups, chrome, rows)

    def _environments_panel(self, rendered: Rendered) -> str:
        rows = {app: Markup(html) for app, (_, html) in rendered.rows.items()}  # noqa: S704 - autoescaped render
        return self._templates.get_template(ENVIRONMENTS).render(board=rendered.board, rows=rows)

    def _fragment(self, rendered: Rendered) -> str:
        if rendered.fragment is None:
            html = {
                anchor: Markup(card)  # noqa: S704 - rendered by the autoescaping environment
                for group in rendered.groups.values()
                for anchor, (_, card) in group.cards.items()
            }
            rows = {app: Markup(row) for app, (_, row) in rendered.rows.items()}  # noqa: S704 - autoescaped render
            rendered.fragment = self._templates.get_template(FRAGMENT).render(
                board=rendered.board, version=rendered.version, cards=html, rows=rows
            )
        return rendered.fragment

    def _lock_(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def _rendered(self, version: int) -> Rendered:
        """The render of ``version`` (or of the newest one, if it is already older)."""
        if version not in self._versions:
            # Shielded: a viewer that leaves mid-build (its task cancelled) must not free
            # the lock while the build's thread still runs, or two builds would share
            # the builder, which is not thread-safe.
            await asyncio.shield(self._build_once(version))
        return self._versions[version]

    async def _build_once(self, version: int) -> None:
        async with self._lock_():
            if version in self._versions:
                return
            self.build_since = time.monotonic()
            try:
                rendered = await asyncio.to_thread(self._make, version)
            finally:
                self.build_since = None
            self._versions[version] = rendered
            while len(self._versions) > KEPT_VERSIONS:
                self._versions.popitem(last=False)

    async def board(self, version: int) -> Board:
        """The board for ``version``, without joining its fragment (the JSON API's)."""
        return (await self._rendered(version)).board

    async def get(self, version: int) -> tuple[Board, str]:
        """The board for ``version`` and its fragment, each built at most once."""
        rendered = await self._rendered(version)
        if rendered.fragment is None:
            async with self._lock_():  # many viewers at once still join it once
                if rendered.fragment is None:
                    await asyncio.to_thread(self._fragment, rendered)
        return rendered.board, self._fragment(rendered)

    async def board_message(self, version: int) -> bytes:
        """``event: board`` with the whole fragment, framed and encoded once per version."""
        rendered = await self._rendered(version)
        if rendered.message is None:
            _, fragment = await self.get(version)
            async with self._lock_():
                if rendered.message is None:
                    framed = await asyncio.to_thread(sse_message, "board", fragment)
                    rendered.message = framed.encode()
        return rendered.message

    async def delta_message(self, since: int, version: int) -> bytes | None:
        """``event: delta`` from ``since`` to ``version``, framed and encoded once; or None."""
        rendered = await self._rendered(version)
        known = rendered.deltas.get(since)
        if known is None:
            delta = await self.delta(since, version)
            if delta is None:
                return None
            known = rendered.deltas[since] = sse_message("delta", delta).encode()
        return known

    def _environment_swaps(self, before: Rendered, after: Rendered) -> list[str]:
        """The environments view's part of a delta: nothing when it is the same view; its
        changed rows alone when the environments and the list of applications are the
        same; else the whole view."""
        then, now = before.board.environments, after.board.environments
        if now is then:
            return []
        whole = '<div id="environments-panel" hx-swap-oob="true">{}</div>'
        if now.environments is not then.environments or len(now.rows) != len(then.rows):
            return [whole.format(self._environments_panel(after))]
        swaps = []
        # Kept rows are the same objects: an identity check per row, no dict lookups.
        for row, old in zip(now.rows, then.rows, strict=True):
            if row is old:
                continue
            if row.application != old.application:  # added and removed at once
                return [whole.format(self._environments_panel(after))]
            swaps.append(_oob(after.rows[row.application][1], "tbody"))
        return swaps

    async def delta(self, since: int, version: int) -> str | None:
        """What changed from ``since`` to ``version`` as out-of-band swaps, or None.

        None means the viewer needs the whole board: ``since`` is no longer kept, or a
        namespace's group appeared, went, or changed its heading.
        """
        before = self._versions.get(since)
        after = await self._rendered(version)
        if before is None or list(before.groups) != list(after.groups):
            return None
        swaps = [after.chrome, *self._environment_swaps(before, after)]
        for ns, now in after.groups.items():
            then = before.groups[ns]
            if now is then:
                continue
            if now.group.environment != then.group.environment:
                return None
            swaps += group_swaps(ns, then.cards, now.cards)
        return "".join(swaps)


def _oob(html: str, tag: str) -> str:
    return html.replace(f"<{tag} ", f'<{tag} hx-swap-oob="true" ', 1)


def _selector(anchor: str) -> str:
    """``#anchor`` as a CSS selector: names may hold dots, which CSS reads as classes."""
    return "#" + anchor.replace(".", "\\.")


def group_swaps(namespace: str, before: Cards, after: Cards) -> list[str]:
    """The swaps that turn one namespace's cards from ``before`` into ``after``.

    A card's place never changes (cards sort by name and kind, which never change), so
    removing the gone ones and inserting each new one after the card before it, in board
    order, leaves the page in the board's order.
    """
    swaps = [
        f'<article id="{anchor}" hx-swap-oob="delete"></article>'
        for anchor in before
        if anchor not in after
    ]
    previous = None
    for anchor, (_, html) in after.items():
        known = before.get(anchor)
        if known is None:
            where = (
                f"afterend:{_selector(previous)}" if previous
                else f"afterbegin:#cards-{namespace}"
            )  # fmt: skip
            swaps.append(f'<div hx-swap-oob="{where}">{html}</div>')
        elif known[1] != html:
            swaps.append(_oob(html, "article"))
        previous = anchor
    return swaps
