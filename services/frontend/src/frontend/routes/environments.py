"""The environments view: ``GET /api/v1/environments`` (JSON), ``/fragments/environments``
and, on demand, what one Kustomization applied (``/fragments/environments/inventory``).

The board page carries the view and sends viewers only its changed rows (board memo);
these routes serve CI, and a page that wants the view alone.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response
from fastapi.responses import HTMLResponse

from frontend.board.model import Board
from frontend.deps import RuntimeDep
from frontend.environments.chain import Applied, Environment
from frontend.models import EnvironmentsV1
from frontend.status.health import HealthCode
from servicekit.http import NO_STORE

router = APIRouter()
FRAGMENT = "_environments.html"
INVENTORY = "_environment_inventory.html"


def _health(board: Board, environments: tuple[Environment, ...]) -> dict[Applied, HealthCode]:
    """Each applied workload's card health (the view leaves it out: it changes with every
    pod, and the view is kept between versions)."""
    delivered = {ns for env in environments for ns in env.namespaces}
    return {
        Applied(e.card.kind, e.card.namespace, e.card.name): e.card.health.code
        for group in board.groups
        if group.namespace in delivered
        for e in group.entries
    }


def _with_health(board: Board, environments: tuple[Environment, ...]) -> list[Environment]:
    health = _health(board, environments)
    return [
        replace(env, workloads=tuple(replace(w, health=health.get(w)) for w in env.workloads))
        for env in environments
    ]


def environments_document(board: Board, version: int) -> EnvironmentsV1:
    view = board.environments
    return EnvironmentsV1(
        generated_at=board.generated_at,
        board_version=version,
        environments=_with_health(board, view.environments),
        applications=list(view.rows),
    )


@router.get("/api/v1/environments", response_model=EnvironmentsV1, tags=["api"])
async def read_environments(runtime: RuntimeDep, response: Response) -> EnvironmentsV1:
    """Where each application's version is, what blocks each environment, what a
    promotion would change, and what each Kustomization applied; from the cache (no API
    calls)."""
    version = runtime.feed.version
    board = await runtime.board.board(version)
    response.headers.update(NO_STORE)
    return environments_document(board, version)


@router.get("/fragments/environments", response_class=HTMLResponse, tags=["pages"])
async def environments_fragment(runtime: RuntimeDep) -> HTMLResponse:
    """The environments view as the board renders it."""
    board = await runtime.board.board(runtime.feed.version)
    html = runtime.templates.get_template(FRAGMENT).render(board=board)
    return HTMLResponse(html, headers=NO_STORE)


@router.get(
    "/fragments/environments/inventory",
    response_class=HTMLResponse,
    tags=["pages"],
    responses={404: {"description": "No environment comes from that Kustomization."}},
)
async def inventory_fragment(
    runtime: RuntimeDep,
    source: Annotated[
        str,
        Query(
            max_length=253 + 1 + 253,
            pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$",
            description="The environment's Kustomization, <namespace>/<name>.",
        ),
    ],
) -> HTMLResponse:
    """What that Kustomization applied, each workload with its health and card link."""
    board = await runtime.board.board(runtime.feed.version)
    found = [env for env in board.environments.environments if env.source == source]
    if not found:
        raise HTTPException(404, f"no environment comes from Kustomization {source!r}")
    (env,) = _with_health(board, (found[0],))
    html = runtime.templates.get_template(INVENTORY).render(workloads=env.workloads)
    return HTMLResponse(html, headers=NO_STORE)
