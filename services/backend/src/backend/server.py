"""uvicorn server with a Kubernetes-style graceful drain.

On SIGTERM: readiness flips to 503 at once, the server keeps serving for the
drain delay (endpoint removal takes time to reach every kube-proxy and load
balancer), then stops listening and gives in-flight requests up to the shutdown
timeout. SIGINT (Ctrl-C) skips the drain delay; a second signal forces exit.
"""

from __future__ import annotations

import logging
import signal
import time
from types import FrameType

import uvicorn

from backend.app import create_app
from backend.runtime import Runtime
from backend.settings import Settings
from servicekit.server import server_config

log = logging.getLogger("backend.server")


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, runtime: Runtime, drain_delay: float) -> None:
        super().__init__(config)
        self.runtime = runtime
        self.drain_delay = drain_delay
        self.drain_deadline: float | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:  # noqa: ARG002
        # Not calling super(): uvicorn would re-raise the captured signal after
        # shutdown, and the process would die by SIGTERM instead of exiting 0.
        if self.drain_deadline is not None or self.should_exit:
            log.warning("second signal: forcing exit", extra={"signal": signal.Signals(sig).name})
            self.should_exit = True
            self.force_exit = True
            return
        self.runtime.lifecycle.begin_drain()
        delay = self.drain_delay if sig == signal.SIGTERM else 0.0
        self.drain_deadline = time.monotonic() + delay
        log.info("draining", extra={"signal": signal.Signals(sig).name, "drain_delay_s": delay})

    async def on_tick(self, counter: int) -> bool:
        if self.drain_deadline is not None and time.monotonic() >= self.drain_deadline:
            log.info("drain delay over: closing listeners, finishing in-flight requests")
            return True
        return await super().on_tick(counter)


def serve(settings: Settings) -> None:
    runtime = Runtime()
    config = server_config(create_app(settings, runtime), settings)
    DrainingServer(config, runtime, settings.drain_delay_seconds).run()
    log.info("stopped", extra={"uptime_s": round(runtime.lifecycle.uptime_seconds(), 3)})
