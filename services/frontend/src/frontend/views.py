"""HTML rendering: one Jinja environment (autoescape on), the page and its board fragment.

The fragment is rendered once per board version and shared by every viewer, so a
change costs one render however many pages are open.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from frontend.board import Board

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
# npm installs htmx here (make frontend-assets); never committed, never from a CDN.
DEFAULT_VENDOR = Path(__file__).resolve().parents[2] / "node_modules"
VENDOR_FILES = {
    "htmx.min.js": Path("htmx.org/dist/htmx.min.js"),
    "sse.min.js": Path("htmx-ext-sse/dist/sse.min.js"),
}
BADGE = {
    "Healthy": ("ok", "✔"),
    "Suspended": ("paused", "⏸"),
    "Progressing": ("progress", "↻"),
    "Missing": ("missing", "?"),
    "Degraded": ("bad", "✖"),
    "Unknown": ("unknown", "?"),
}


def _short_sha(value: object) -> str:
    text = str(value or "")
    return text[:12] if len(text) >= 12 else text or "unknown"


def _clock(value: datetime | None) -> str:
    return f"{value:%H:%M:%S} UTC" if value else "never"


@dataclass(frozen=True)
class Assets:
    """Files under /static: name -> path, and name -> URL with a content hash."""

    own: dict[str, Path]
    vendor: dict[str, Path]
    urls: dict[str, str]

    @classmethod
    def discover(cls, vendor_dir: Path | None) -> Assets:
        root = vendor_dir or DEFAULT_VENDOR
        own = {p.name: p for p in STATIC.iterdir() if p.suffix in (".css", ".js")}
        vendor = {name: root / rel for name, rel in VENDOR_FILES.items()}
        urls = {name: f"/static/{name}?v={_digest(path)}" for name, path in own.items()}
        urls |= {name: f"/static/vendor/{name}?v={_digest(p)}" for name, p in vendor.items()}
        return cls(own, vendor, urls)

    @property
    def missing(self) -> list[str]:
        return [str(path) for path in self.vendor.values() if not path.is_file()]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.is_file() else "missing"


def environment(assets: Assets) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["short_sha"] = _short_sha
    env.filters["clock"] = _clock
    env.globals["BADGE"] = BADGE
    env.globals["asset"] = assets.urls.__getitem__
    return env


class BoardCache:
    """The board and its rendered fragment for the latest version, built on demand."""

    def __init__(self, build: Callable[[], Board], env: Environment) -> None:
        self._build = build
        self.env = env
        self._version = -1
        self._board: Board | None = None
        self._fragment = ""
        self.renders = 0
        self.last_render_ms = 0.0
        self._lock: asyncio.Lock | None = None

    def _make(self, version: int) -> tuple[Board, str]:
        started = time.perf_counter()
        board = self._build()
        fragment = self.render("_board.html", board=board, version=version)
        self.renders += 1
        self.last_render_ms = (time.perf_counter() - started) * 1000
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

    def render(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)
