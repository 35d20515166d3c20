"""Static assets: the board's CSS/JS and the npm-installed htmx, with long cache lifetimes.

URLs carry a content hash (``?v=``), so a year-long ``immutable`` cache is safe.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from frontend.deps import RuntimeDep

router = APIRouter(tags=["static"], include_in_schema=False)

LONG_CACHE = {"cache-control": "public, max-age=31536000, immutable"}
_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


def _serve(path: Path | None) -> FileResponse:
    if path is None or not path.is_file():
        raise HTTPException(404, "no such asset")
    return FileResponse(path, media_type=_TYPES.get(path.suffix), headers=LONG_CACHE)


@router.get("/static/vendor/{name}")
async def read_vendor_asset(name: str, runtime: RuntimeDep) -> FileResponse:
    """htmx and its SSE extension, as npm installed them."""
    return _serve(runtime.assets.vendor.get(name))


@router.get("/static/{name}")
async def read_asset(name: str, runtime: RuntimeDep) -> FileResponse:
    """The board's own stylesheet and script."""
    return _serve(runtime.assets.own.get(name))
