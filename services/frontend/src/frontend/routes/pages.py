"""The board page and its htmx fragment, both from the board memo (no API calls).

The page also embeds the delivery panel when it is on (see routes/delivery.py).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from frontend.deps import RuntimeDep
from frontend.routes.delivery import render_panel
from servicekit.http import NO_STORE

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse)
async def read_board(runtime: RuntimeDep) -> HTMLResponse:
    """The rollout board: every Deployment by namespace, the backend and delivery panels."""
    version = runtime.feed.version
    _, fragment = await runtime.board.get(version)
    panel = render_panel(runtime)
    html = runtime.templates.get_template("board.html").render(
        fragment=Markup(fragment),  # noqa: S704 - rendered by the autoescaping environment
        delivery=None if panel is None else Markup(panel),  # noqa: S704 - the same environment
        version=version,
        epoch=runtime.feed.epoch,
        environment_name=runtime.settings.environment,
    )
    return HTMLResponse(html, headers=NO_STORE)


@router.get("/fragments/board", response_class=HTMLResponse)
async def read_board_fragment(runtime: RuntimeDep) -> HTMLResponse:
    """The board's inner HTML, for htmx polling when the event stream is down."""
    _, fragment = await runtime.board.get(runtime.feed.version)
    return HTMLResponse(fragment, headers=NO_STORE)
