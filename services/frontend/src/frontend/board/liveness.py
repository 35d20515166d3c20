"""Liveness: whether the board's own machinery still moves, as a kubelet should see it.

A process that answers HTTP can still be useless: the board froze once with every
request answered from a snapshot that never changed again (a broken change feed; the
post-mortem: docs/postmortems/2026-12-06-board-froze-after-viewers-left.md). So
``/healthz`` fails when the change feed's loop has not gone round, or a board build
has not finished, for longer than ``FRONTEND_LIVENESS_STALL_SECONDS``; the kubelet then
restarts the pod. A blocked event loop needs no check of its own: it answers nothing,
and the probe times out.
"""

from __future__ import annotations

import json

OK = (200, b'{"status":"ok","detail":"serving"}')


def liveness(
    beat: float | None, build_since: float | None, stall_seconds: float, now: float
) -> tuple[int, bytes]:
    """``(status, JSON body)`` for ``/healthz``, from monotonic times.

    ``beat``: when the change feed's loop last went round (None: not started, as in a
    process still starting or an app run without its lifespan). ``build_since``: when
    the board build in progress began (None: none is).
    """
    stalled = []
    if beat is not None and now - beat > stall_seconds:
        stalled.append(f"the change feed has not moved for {now - beat:.0f} s")
    if build_since is not None and now - build_since > stall_seconds:
        stalled.append(f"a board build has run for {now - build_since:.0f} s")
    if not stalled:
        return OK
    detail = "; ".join(stalled) + f" (bound {stall_seconds:g} s)"
    return 503, json.dumps({"status": "unavailable", "detail": detail}).encode()
