"""The board and its rendered fragment, memoised per board version.

The fragment is rendered once per version and shared by every viewer, so a change
costs one render however many pages are open.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from jinja2 import Environment

from frontend.board import Board

FRAGMENT = "_board.html"


class BoardMemo:
    """The board and its fragment for the latest version, built on demand."""

    def __init__(self, build: Callable[[], Board], templates: Environment) -> None:
        self._build = build
        self._templates = templates
        self._version = -1
        self._board: Board | None = None
        self._fragment = ""
        self.renders = 0
        self._lock: asyncio.Lock | None = None

    def _make(self, version: int) -> tuple[Board, str]:
        board = self._build()
        fragment = self._templates.get_template(FRAGMENT).render(board=board, version=version)
        self.renders += 1
        return board, fragment

    async def get(self, version: int) -> tuple[Board, str]:
        """The board for ``version``, built at most once (in a worker thread, off the loop)."""
        if self._board is None or version != self._version:
            if self._lock is None:
                self._lock = asyncio.Lock()
            async with self._lock:
                if self._board is None or version != self._version:
                    board, fragment = await asyncio.to_thread(self._make, version)
                    self._board, self._fragment, self._version = board, fragment, version
        return self._board, self._fragment
