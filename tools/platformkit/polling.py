"""Bounded polls and small probes the platform waits on (no sleep is ever an assertion)."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from tools.platformkit import processes


def rss(pid: int) -> float:
    """RSS of PID in MiB; 0 once it is gone."""
    try:
        return processes.rss_mib(pid)
    except OSError:
        return 0.0


def answers(url: str) -> bool:
    """URL answers 200 (anything else, or nothing, is False)."""
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait(
    what: str, check: Callable[[], bool], timeout: float, alive: Callable[[], bool] | None = None
) -> None:
    """Poll CHECK every 0.2 s until true; fail after TIMEOUT or when ALIVE says it died."""
    deadline = time.monotonic() + timeout
    while not check():
        if alive is not None and not alive():
            raise RuntimeError(f"{what}: the process exited")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not after {timeout:.0f}s")
        time.sleep(0.2)
