"""The probes' and ``/meta``'s answers, precomputed from the settings.

What never changes in a process (its build, image and pod identity) is serialised
once, at start-up, by the same pydantic models the OpenAPI document publishes; per
request only the uptime and the readiness verdict are filled in. A liveness answer is
one of two responses made once; a readiness answer is kept until the verdict changes.
``backend.routes.probes`` answers from here.
"""

from __future__ import annotations

from starlette.responses import Response

from backend import readiness
from backend.models import CheckResult, ImageInfo, Liveness, Meta, PodInfo, Readiness
from backend.readiness import Verdict
from backend.runtime import Runtime
from backend.settings import Settings
from servicekit.http import NO_STORE

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


def json_response(status: int, body: bytes) -> Response:
    return Response(body, status, NO_STORE, media_type="application/json")


def readiness_response(verdict: Verdict) -> Response:
    body = Readiness(
        status="ok" if verdict.ready else "unavailable",
        checks=[CheckResult(name=c.name, ok=c.ok, message=c.message) for c in verdict.checks],
    )
    return json_response(200 if verdict.ready else 503, body.model_dump_json().encode())


class Answers:
    """``/healthz``, ``/readyz`` and ``/meta`` for one process."""

    def __init__(self, settings: Settings, runtime: Runtime) -> None:
        self.runtime = runtime
        live = Liveness(status="ok").model_dump_json(exclude_none=True).encode()
        self._live = json_response(200, live)
        failing = Liveness(status="failing", reason="liveness failure injected by fault drill")
        self._failing = json_response(503, failing.model_dump_json().encode())
        self._meta_head = _meta_head(settings, runtime)
        # The verdict changes rarely (start-up, drain, a dependency flapping): keep the
        # answer to the last state, and /meta's for the last millisecond of uptime.
        self._last: tuple[tuple[object, ...], Verdict, Response] | None = None
        self._meta: tuple[float, bool, Response] | None = None

    def liveness(self) -> Response:
        return self._failing if self.runtime.faults.liveness_failing else self._live

    def _verdict(self) -> tuple[Verdict, Response]:
        state = readiness.state(self.runtime)
        last = self._last
        if last is None or last[0] != state:
            verdict = readiness.current(self.runtime)
            last = self._last = (state, verdict, readiness_response(verdict))
        return last[1], last[2]

    def readiness(self) -> Response:
        return self._verdict()[1]

    def meta(self) -> Response:
        uptime = round(self.runtime.lifecycle.uptime_seconds(), 3)
        ready = self._verdict()[0].ready
        kept = self._meta
        if kept is not None and kept[0] == uptime and kept[1] == ready:
            return kept[2]  # the same millisecond: the same answer
        # json.dumps writes floats as repr() does, and so does pydantic.
        tail = b',"ready":true}' if ready else b',"ready":false}'
        answer = json_response(200, self._meta_head + repr(uptime).encode() + tail)
        self._meta = (uptime, ready, answer)
        return answer
