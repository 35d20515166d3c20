"""The board, its rendered fragment and its deltas, memoised per board version.

The fragment is rendered once per version and shared by every viewer, so a change
costs one render however many pages are open. Each card is rendered on its own and
kept with the card it shows: a card equal to the previous version's reuses its HTML,
so a change renders only the cards it touched. For the last few versions the memo
keeps each card's HTML, so a viewer one or more versions behind gets a delta (the
changed cards and the board's chrome, as htmx out-of-band swaps) instead of the board.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from jinja2 import Environment
from markupsafe import Markup

from frontend.board import Board
from frontend.status.card import DeploymentCard
from frontend.status.gitops import GitOpsStatus

CardInputs = tuple[DeploymentCard, tuple[GitOpsStatus, ...]]

FRAGMENT = "_board.html"
CARD = "_card.html"
CHROME = "_chrome.html"
# Versions whose cards are kept for deltas: at the default 250 ms batch, several seconds.
KEPT_VERSIONS = 32


@dataclass
class Rendered:
    """One version: each card's HTML in order, the chrome, and the whole fragment once asked."""

    board: Board
    version: int
    cards: dict[str, tuple[CardInputs, str]]  # anchor -> (what it shows, html), board order
    chrome: str  # banners, backend panel and footer, each an out-of-band swap
    # Joined only when a viewer needs the whole board: at 2,000 cards that is megabytes,
    # and a viewer following along only ever needs the deltas.
    fragment: str | None = None


class BoardMemo:
    """The board, its fragment and its deltas for recent versions, built on demand."""

    def __init__(self, build: Callable[[], Board], templates: Environment) -> None:
        self._build = build
        self._templates = templates
        self._versions: OrderedDict[int, Rendered] = OrderedDict()
        self.renders = 0  # whole-board builds
        self.card_renders = 0  # cards rendered (the others reused their HTML)
        self._lock: asyncio.Lock | None = None

    def _render_cards(self, board: Board) -> dict[str, tuple[CardInputs, str]]:
        previous = next(reversed(self._versions.values())).cards if self._versions else {}
        template = self._templates.get_template(CARD)
        cards: dict[str, tuple[CardInputs, str]] = {}
        for group in board.groups:
            for entry in group.entries:
                inputs = (entry.card, entry.gitops)
                known = previous.get(entry.anchor)
                if known is not None and (known[0] is inputs or known[0] == inputs):
                    cards[entry.anchor] = known
                    continue
                cards[entry.anchor] = (inputs, template.render(entry=entry))
                self.card_renders += 1
        return cards

    def _make(self, version: int) -> Rendered:
        board = self._build()
        cards = self._render_cards(board)
        chrome = self._templates.get_template(CHROME).render(board=board, version=version)
        self.renders += 1
        return Rendered(board, version, cards, chrome)

    def _fragment(self, rendered: Rendered) -> str:
        if rendered.fragment is None:
            html = {anchor: Markup(card) for anchor, (_, card) in rendered.cards.items()}  # noqa: S704 - rendered by the autoescaping environment
            rendered.fragment = self._templates.get_template(FRAGMENT).render(
                board=rendered.board, version=rendered.version, cards=html
            )
        return rendered.fragment

    async def _rendered(self, version: int) -> Rendered:
        """The render of ``version`` (or of the newest one, if it is already older)."""
        if version not in self._versions:
            if self._lock is None:
                self._lock = asyncio.Lock()
            async with self._lock:
                if version not in self._versions:
                    rendered = await asyncio.to_thread(self._make, version)
                    self._versions[version] = rendered
                    while len(self._versions) > KEPT_VERSIONS:
                        self._versions.popitem(last=False)
        return self._versions[version]

    async def get(self, version: int) -> tuple[Board, str]:
        """The board for ``version`` and its fragment, built at most once."""
        rendered = await self._rendered(version)
        if rendered.fragment is None:
            await asyncio.to_thread(self._fragment, rendered)
        return rendered.board, self._fragment(rendered)

    async def delta(self, since: int, version: int) -> str | None:
        """What changed from ``since`` to ``version`` as out-of-band swaps, or None.

        None means the viewer needs the whole board: ``since`` is no longer kept, or
        cards were added, removed or reordered (a delta only replaces cards in place).
        """
        before = self._versions.get(since)
        after = await self._rendered(version)
        if before is None or list(before.cards) != list(after.cards):
            return None
        changed = [
            html.replace("<article ", '<article hx-swap-oob="true" ', 1)
            for anchor, (_, html) in after.cards.items()
            if before.cards[anchor][1] != html
        ]
        return "".join([after.chrome, *changed])
