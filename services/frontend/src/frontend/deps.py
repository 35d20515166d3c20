"""Annotated dependency aliases, so route signatures read like prose."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from frontend.state import Runtime


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
"""The process's runtime state: settings, watch cache, probes, change feed, board memo."""
