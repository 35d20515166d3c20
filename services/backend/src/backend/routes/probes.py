"""Liveness, readiness and build metadata: what kubelets, load balancers and CI ask.

Each endpoint is written once. ``servicekit.shortcuts`` calls it straight away for a
GET or HEAD to its path, before the framework; the framework registers the same function
with its model, for the OpenAPI document and for a request with a body. The answers are
precomputed (``backend.answers``): per request only the uptime and readiness change.
"""

from __future__ import annotations

import random

from starlette.requests import Request
from starlette.responses import Response

from backend.answers import Answers, json_response
from backend.middleware import drill
from backend.models import Liveness, Meta, Readiness
from backend.runtime import Runtime
from servicekit.error_body import error_json
from servicekit.shortcuts import Shortcut


def shortcuts(
    answers: Answers, runtime: Runtime, rng: random.Random | None = None
) -> tuple[Shortcut, ...]:
    drills = rng or random.Random()  # noqa: S311 - drills need no cryptographic randomness

    async def read_liveness(_: Request) -> Response:
        """Liveness: 200 while the process can serve, draining included."""
        return answers.liveness()

    async def read_readiness(_: Request) -> Response:
        """Readiness: every check with its state, like the apiserver's ``/readyz?verbose``."""
        return answers.readiness()

    async def read_meta(request: Request) -> Response:
        """Which build is answering, from which image, in which pod."""
        # The one probe-path answer a fault drill slows or fails: CI's smoke test.
        faults = runtime.faults
        if (faults.latency_ms or faults.error_rate) and await drill(faults, drills):
            request_id = request.scope.get("state", {}).get("request_id")
            return json_response(500, error_json(500, "injected by fault drill", request_id))
        return answers.meta()

    return (
        Shortcut("/healthz", read_liveness, ("probes",), Liveness,
                 {503: {"model": Liveness, "description": "Liveness broken by a fault drill."}}),
        Shortcut("/readyz", read_readiness, ("probes",), Readiness,
                 {503: {"model": Readiness, "description": "At least one check fails."}}),
        Shortcut("/meta", read_meta, ("meta",), Meta),
    )  # fmt: skip
