"""The apiserver's health as the board asks it: ``/readyz?verbose``, ``/version`` when that
gives no verdict. The answers are kube-apiserver's (k8s.io/apiserver healthz: a line per
check, ``[-]`` before each that failed, "readyz check failed" last, HTTP 500)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

import pytest

from frontend.cluster.apiserver import ApiHealth, check_apiserver, readyz_health

# kube-apiserver with its etcd stopped: etcd's checks fail, the others pass.
ETCD_DOWN = """[+]ping ok
[+]log ok
[-]etcd failed: reason withheld
[-]etcd-readiness failed: reason withheld
[+]api-priority-and-fairness ok
[+]informer-sync ok
[+]poststarthook/start-apiserver-admission-initializer ok
[+]poststarthook/generic-apiserver-start-informers ok
[+]shutdown ok
readyz check failed
"""
READY = (
    ETCD_DOWN.replace("[-]etcd failed: reason withheld", "[+]etcd ok")
    .replace("[-]etcd-readiness failed: reason withheld", "[+]etcd-readiness ok")
    .replace("readyz check failed", "readyz check passed")
)
NOT_READY = "the Kubernetes API server is not ready: GET /readyz?verbose: HTTP 500: "


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        pytest.param(200, READY, ApiHealth("ready"), id="ready"),
        pytest.param(500, ETCD_DOWN, ApiHealth("not-ready", NOT_READY + "[-]etcd failed: reason "
                     "withheld; [-]etcd-readiness failed: reason withheld"), id="etcd-down"),
        pytest.param(500, "[+]ping ok\n[-]shutdown failed: reason withheld\nreadyz check failed\n",
                     ApiHealth("not-ready", NOT_READY + "[-]shutdown failed: reason withheld"),
                     id="shutting-down"),
        pytest.param(503, "upstream connect error\n", ApiHealth(
            "not-ready", "the Kubernetes API server is not ready: GET /readyz?verbose: HTTP 503: "
            "upstream connect error"), id="a-proxy-in-front-says-no-checks"),
        pytest.param(500, "", ApiHealth("not-ready", NOT_READY + "no reason given"), id="empty"),
        pytest.param(401, "Unauthorized", None, id="401-asks-version"),
        pytest.param(403, '{"kind":"Status","reason":"Forbidden"}', None, id="403-asks-version"),
        pytest.param(404, "404 page not found", None, id="404-asks-version"),
    ],
)  # fmt: skip
def test_readyz_health(status: int, body: str, expected: ApiHealth | None) -> None:
    assert readyz_health(status, body) == expected


def _raise(exc: Exception) -> NoReturn:
    raise exc


@pytest.mark.parametrize(
    ("readyz", "version", "state", "problem"),
    [
        pytest.param(lambda: (200, READY), lambda: _raise(AssertionError("not asked")), "ready",
                     None, id="ready-without-asking-version"),
        pytest.param(lambda: (500, ETCD_DOWN), lambda: {}, "not-ready", NOT_READY + "[-]etcd",
                     id="etcd-down-though-version-answers"),
        pytest.param(lambda: _raise(TimeoutError("read timed out")), lambda: {}, "unreachable",
                     "the Kubernetes API is not answering: GET /readyz?verbose: TimeoutError: "
                     "read timed out", id="hung"),
        pytest.param(lambda: (403, "forbidden"), lambda: {"gitVersion": "v1.36.3"}, "ready", None,
                     id="readyz-forbidden-version-answers"),
        pytest.param(lambda: (404, ""), lambda: _raise(ConnectionError("refused")), "unreachable",
                     "the Kubernetes API is not answering: GET /version: ConnectionError: refused",
                     id="readyz-not-served-version-fails"),
    ],
)  # fmt: skip
def test_check_apiserver(
    readyz: Callable[[], tuple[int, str]],
    version: Callable[[], object],
    state: str,
    problem: str | None,
) -> None:
    health = check_apiserver(readyz, version)

    assert health.state == state
    if problem is None:
        assert health.problem is None
    else:
        assert (health.problem or "").startswith(problem)
