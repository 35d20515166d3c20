"""The apiserver's own health as the board's check asks it: ``GET /readyz?verbose``.

A hung apiserver keeps the watches open and silent, and so does one whose etcd is down:
it still answers ``/version`` (from memory) and serves the watches from its cache, so the
board would go on showing the last state as if it were live. ``/readyz`` runs the
apiserver's readiness checks, etcd's among them, and on failure answers 500 with a line
per check, ``[-]`` before each that failed (``[-]etcd failed: reason withheld``). Every
authenticated identity may read it (the default ClusterRole
``system:public-info-viewer``); an apiserver that refuses it anyway (401, 403) or does
not serve it (404) is asked ``/version`` instead, which says at least that it answers.
No I/O here: the watch cache passes the two requests in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from frontend.status.verdict import excerpt

# "unknown": not checked yet (or no cluster); "not-ready": it answers, its checks fail;
# "unreachable": no answer in time (stopped, hung, refused, TLS).
ApiState = Literal["unknown", "ready", "not-ready", "unreachable"]
READYZ = "/readyz?verbose"
_NO_VERDICT = (401, 403, 404)


@dataclass(frozen=True)
class ApiHealth:
    state: ApiState
    problem: str | None = None  # in words, for the banner and the API's ``problems``


def readyz_health(status: int, body: str) -> ApiHealth | None:
    """The verdict of one ``/readyz?verbose`` answer; None when it gives none (401, 403,
    404: ask ``/version``)."""
    if 200 <= status <= 299:
        return ApiHealth("ready")
    if status in _NO_VERDICT:
        return None
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    failing = [line for line in lines if line.startswith("[-]")]
    detail = "; ".join(failing) or excerpt(lines[0] if lines else "", 200) or "no reason given"
    problem = f"the Kubernetes API server is not ready: GET {READYZ}: HTTP {status}: {detail}"
    return ApiHealth("not-ready", problem)


def unreachable(path: str, exc: BaseException) -> ApiHealth:
    problem = f"the Kubernetes API is not answering: GET {path}: {type(exc).__name__}: {exc}"
    return ApiHealth("unreachable", problem)


def check_apiserver(
    readyz: Callable[[], tuple[int, str]], version: Callable[[], object]
) -> ApiHealth:
    """Ask ``/readyz?verbose``; ask ``/version`` only when that gives no verdict. Any
    failure to get an answer (timeout, refused, TLS) is ``unreachable``."""
    try:
        status, body = readyz()
    except Exception as exc:  # any failure: timeout, refused, TLS
        return unreachable(READYZ, exc)
    health = readyz_health(status, body)
    if health is not None:
        return health
    try:
        version()
    except Exception as exc:  # likewise, or an error status
        return unreachable("/version", exc)
    return ApiHealth("ready")
