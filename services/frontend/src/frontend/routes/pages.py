"""The board page and its htmx fragment, both from the board memo (no API calls)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from frontend.deps import RuntimeDep
from servicekit.http import NO_STORE

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse)
async def read_board(runtime: RuntimeDep) -> HTMLResponse:
    """The rollout board: every Deployment, grouped by namespace, plus the backend panel."""
    version = runtime.feed.version
    _, fragment = await runtime.board.get(version)
    html = runtime.templates.get_template("board.html").render(
        fragment=Markup(fragment),  # noqa: S704 - rendered by the autoescaping environment
        version=version,
        environment_name=runtime.settings.environment,
    )
    return HTMLResponse(html, headers=NO_STORE)


@router.get("/fragments/board", response_class=HTMLResponse)
async def read_board_fragment(runtime: RuntimeDep) -> HTMLResponse:
    """The board's inner HTML, for htmx polling when the event stream is down."""
    _, fragment = await runtime.board.get(runtime.feed.version)
    return HTMLResponse(fragment, headers=NO_STORE)
