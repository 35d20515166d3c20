"""The probes' and ``/meta``'s answers as bytes, precomputed from the settings.

What never changes in a process (its build, image and pod identity) is serialised
once, at start-up, by the same pydantic models the OpenAPI document publishes; per
request only the uptime and the readiness verdict are filled in. The routes in
``backend.routes`` and the fast path in ``servicekit.edge`` answer from here, so
both give the same bytes.
"""

from __future__ import annotations

import random

from starlette.types import Scope

from backend import readiness
from backend.middleware import drill
from backend.models import CheckResult, ImageInfo, Liveness, Meta, PodInfo, Readiness
from backend.readiness import Verdict
from backend.runtime import Runtime
from backend.settings import Settings
from servicekit.edge import Answer
from servicekit.error_body import error_json

Reply = tuple[int, bytes]

# /meta is the build (fixed) followed by these two (live); the split relies on
# their being the model's last fields, which tests/backend/test_answers.py checks.
_LIVE_FIELDS = ("uptime_seconds", "ready")


def meta_model(settings: Settings, runtime: Runtime, uptime: float, ready: bool) -> Meta:
    """What ``/meta`` says, as the model the OpenAPI document publishes."""
    return Meta(
        service=settings.service_name,
        version=settings.version,
        git_sha=settings.git_sha,
        build_time=settings.build_time,
        image=ImageInfo(ref=settings.image_ref, digest=settings.image_digest),
        environment=settings.environment,
        pod=PodInfo(
            name=settings.pod_name,
            namespace=settings.pod_namespace,
            node=settings.node_name,
            ip=settings.pod_ip,
        ),
        started_at=runtime.lifecycle.started_at,
        uptime_seconds=uptime,
        ready=ready,
    )


def _meta_head(settings: Settings, runtime: Runtime) -> bytes:
    fixed = meta_model(settings, runtime, 0.0, False).model_dump_json(exclude=set(_LIVE_FIELDS))
    return fixed.encode()[:-1] + b',"uptime_seconds":'


def readiness_reply(verdict: Verdict) -> Reply:
    body = Readiness(
        status="ok" if verdict.ready else "unavailable",
        checks=[CheckResult(name=c.name, ok=c.ok, message=c.message) for c in verdict.checks],
    )
    return (200 if verdict.ready else 503), body.model_dump_json().encode()


class Answers:
    """``/healthz``, ``/readyz`` and ``/meta`` for one process."""

    def __init__(self, settings: Settings, runtime: Runtime, rng: random.Random | None = None):
        self.runtime = runtime
        self.rng = rng or random.Random()  # noqa: S311 - drills need no cryptographic randomness
        self._live: Reply = (200, Liveness(status="ok").model_dump_json(exclude_none=True).encode())
        failing = Liveness(status="failing", reason="liveness failure injected by fault drill")
        self._failing: Reply = (503, failing.model_dump_json().encode())
        self._meta_head = _meta_head(settings, runtime)
        # The verdict changes rarely (start-up, drain, a dependency flapping): keep the
        # bytes of the last one.
        self._last: tuple[Verdict, Reply] | None = None

    def liveness(self) -> Reply:
        return self._failing if self.runtime.faults.liveness_failing else self._live

    def readiness(self) -> Reply:
        verdict = readiness.current(self.runtime)
        last = self._last
        if last is None or last[0] != verdict:
            last = self._last = (verdict, readiness_reply(verdict))
        return last[1]

    def meta(self) -> Reply:
        uptime = round(self.runtime.lifecycle.uptime_seconds(), 3)
        ready = readiness.current(self.runtime).ready
        # json.dumps writes floats as repr() does, and so does pydantic.
        tail = b',"ready":true}' if ready else b',"ready":false}'
        return 200, self._meta_head + repr(uptime).encode() + tail

    def fast(self) -> dict[str, Answer]:
        """The answers for ``servicekit.edge.Edge``; ``/meta`` goes through the fault drill
        there, as the FaultInjection middleware does on the framework's path."""

        async def liveness(_: Scope) -> Reply:
            return self.liveness()

        async def ready(_: Scope) -> Reply:
            return self.readiness()

        async def meta(scope: Scope) -> Reply:
            if await drill(self.runtime.faults, self.rng):
                request_id = scope["state"].get("request_id")
                return 500, error_json(500, "injected by fault drill", request_id)
            return self.meta()

        return {"/healthz": liveness, "/readyz": ready, "/meta": meta}
