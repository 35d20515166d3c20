"""The delivery panel's fragment: the board page embeds it, and pages poll it on their own.

The panel lives outside the SSE-driven board: its data changes once per refresh (a
minute by default), not with every watch event, so it needs no place in the change feed.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse

from frontend.deps import RuntimeDep
from frontend.state import Runtime
from servicekit.http import NO_STORE

router = APIRouter(tags=["pages"])

FRAGMENT = "_delivery.html"


def render_panel(runtime: Runtime) -> str | None:
    """The panel's HTML, or None when it is off (FRONTEND_DELIVERY_REPO unset)."""
    panel = runtime.delivery
    if panel is None:
        return None
    return runtime.templates.get_template(FRAGMENT).render(
        state=panel.state, days=panel.since_days, poll_seconds=panel.poll_seconds
    )


@router.get(
    "/fragments/delivery",
    response_class=HTMLResponse,
    responses={404: {"description": "The panel is off: FRONTEND_DELIVERY_REPO is unset."}},
)
async def read_delivery_fragment(runtime: RuntimeDep) -> HTMLResponse:
    """The delivery panel (DORA's four keys and the promotions chart), for htmx polling."""
    html = render_panel(runtime)
    if html is None:
        raise HTTPException(404, "the delivery panel is off: FRONTEND_DELIVERY_REPO is unset")
    return HTMLResponse(html, headers=NO_STORE)
