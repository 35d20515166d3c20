"""The board page and its htmx fragment, both from the cached board (no API calls)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from frontend.deps import RuntimeDep

router = APIRouter(tags=["pages"])

_NO_STORE = {"cache-control": "no-store"}


@router.get("/", response_class=HTMLResponse)
async def read_board(runtime: RuntimeDep) -> HTMLResponse:
    """The rollout board: every Deployment, grouped by namespace, plus the backend panel."""
    version = runtime.changes.version
    _, fragment = await runtime.board.get(version)
    html = runtime.board.render(
        "board.html",
        fragment=Markup(fragment),  # noqa: S704 - rendered by the autoescaping environment
        version=version,
        environment_name=runtime.settings.environment,
    )
    return HTMLResponse(html, headers=_NO_STORE)


@router.get("/fragments/board", response_class=HTMLResponse)
async def read_board_fragment(runtime: RuntimeDep) -> HTMLResponse:
    """The board's inner HTML, for htmx polling when the event stream is down."""
    _, fragment = await runtime.board.get(runtime.changes.version)
    return HTMLResponse(fragment, headers=_NO_STORE)
