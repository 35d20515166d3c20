"""The one bounded poll loop the platform and its tests wait with, and small probes.

No sleep is ever an assertion: everything that takes time is waited for with
``wait_for``, which returns as soon as the check holds and fails with the check's name
when it does not in time, or at once when the process it waits on has died.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import httpx

T = TypeVar("T")


def wait_for(
    what: str,
    check: Callable[[], T | None],
    timeout: float = 60.0,
    every: float = 0.1,
    alive: Callable[[], bool] | None = None,
    tolerate: tuple[type[Exception], ...] = (),
) -> T:
    """Poll CHECK every EVERY s until it returns something truthy, and return that.

    TimeoutError after TIMEOUT s; RuntimeError as soon as ALIVE says the process waited
    on has exited. Exceptions of the types in TOLERATE (a connection refused while a
    server starts, say) count as "not yet".
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except tolerate:
            value = None
        if value:
            return value
        if alive is not None and not alive():
            raise RuntimeError(f"{what}: the process exited")
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(every)


def answers(url: str) -> bool:
    """URL answers 200 (anything else, or nothing, is False)."""
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
