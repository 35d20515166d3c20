"""Files served under ``/static``: the board's own CSS/JS and npm's htmx, with content hashes.

A URL carries its file's hash (``?v=``), so browsers may cache it for a year.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

STATIC = Path(__file__).parent / "static"
# npm installs htmx here (make frontend-assets); never committed, never from a CDN.
DEFAULT_VENDOR = Path(__file__).resolve().parents[2] / "node_modules"
VENDOR_FILES = {
    "htmx.min.js": Path("htmx.org/dist/htmx.min.js"),
    "sse.min.js": Path("htmx-ext-sse/dist/sse.min.js"),
}


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
