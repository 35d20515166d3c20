"""Readiness dependency checks: the only module of the backend that talks to the network.

Checks run in a background loop and store their result, so ``/readyz`` answers
from memory and a slow dependency never makes the probe itself time out.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from backend.runtime import DependencyResult
from servicekit.redaction import redact_in, redact_url

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("backend.readiness_checks")


async def check_once(client: httpx.AsyncClient, url: str) -> DependencyResult:
    """GET the URL; any 2xx passes, anything else fails with a readable reason."""
    import httpx  # noqa: PLC0415 - imported lazily, see run_checks

    started = time.monotonic()
    try:
        response = await client.get(url)
    except httpx.HTTPError as exc:
        message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        # The message is shown by /readyz and logged: never with the URL's credentials.
        return DependencyResult(url, False, redact_in(message, url), time.time())
    elapsed_ms = (time.monotonic() - started) * 1000
    if response.is_success:
        return DependencyResult(
            url, True, f"HTTP {response.status_code} in {elapsed_ms:.0f} ms", time.time()
        )
    return DependencyResult(url, False, f"HTTP {response.status_code}", time.time())


async def run_checks(
    urls: Sequence[str],
    results: dict[str, DependencyResult],
    interval: float,
    request_timeout: float,
    transport: httpx.AsyncBaseTransport | None = None,
) -> None:
    """Refresh ``results`` for every URL until cancelled.

    ``transport`` is httpx's own seam, for tests; ``None`` is the real network.
    """
    # Imported here, not at the top: most backends check no dependency, and httpx is a
    # tenth of the start-up's imports.
    import httpx  # noqa: PLC0415

    async with httpx.AsyncClient(
        timeout=request_timeout, follow_redirects=False, transport=transport
    ) as client:
        while True:
            outcomes = await asyncio.gather(*(check_once(client, url) for url in urls))
            for outcome in outcomes:
                previous = results.get(outcome.name)
                # Only flips are logged: a steady state would repeat a line every interval.
                if previous is None or previous.ok != outcome.ok:
                    log.info(
                        "dependency state changed",
                        extra={
                            "dependency": redact_url(outcome.name),
                            "ok": outcome.ok,
                            "detail": outcome.message,
                        },
                    )
                results[outcome.name] = outcome
            await asyncio.sleep(interval)
