"""uvicorn server with a Kubernetes-style graceful drain.

On SIGTERM: readiness flips to 503 at once, the server keeps serving for the
drain delay (endpoint removal takes time to reach every kube-proxy and load
balancer), then stops listening and gives in-flight requests up to the shutdown
timeout. SIGINT (Ctrl-C) skips the drain delay; a second signal forces exit.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from types import FrameType

import uvicorn

from backend.app import create_app
from backend.runtime import Runtime
from backend.settings import Settings
from servicekit.server import server_config

log = logging.getLogger("backend.server")
# uvicorn ticks every 0.1 s: accept what is queued for this long before closing.
CLOSING_TICKS = 3


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, runtime: Runtime, drain_delay: float) -> None:
        super().__init__(config)
        self.runtime = runtime
        self.drain_delay = drain_delay
        self.drain_deadline: float | None = None
        self.closing_at: int | None = None  # the tick the listeners stopped queueing

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
            if self.closing_at is None:
                # Closing a listener resets the connections the kernel has queued but the
                # server not yet accepted. Shrink the queue first, so new connections wait
                # for a SYN retry (and then find the port closed: refused, not reset), and
                # give the loop a few ticks to accept what is already queued.
                self.closing_at = counter
                self._stop_queueing()
            if counter - self.closing_at >= CLOSING_TICKS:
                log.info("drain delay over: closing listeners, finishing in-flight requests")
                return True
        return await super().on_tick(counter)

    def _stop_queueing(self) -> None:
        for server in getattr(self, "servers", []):
            for transport_socket in server.sockets:
                # A dup shares the listening socket: listen() on it changes the backlog.
                with socket.socket(fileno=os.dup(transport_socket.fileno())) as listener:
                    listener.listen(0)


def serve(settings: Settings) -> None:
    runtime = Runtime()
    config = server_config(create_app(settings, runtime), settings)
    DrainingServer(config, runtime, settings.drain_delay_seconds).run()
    log.info("stopped", extra={"uptime_s": round(runtime.lifecycle.uptime_seconds(), 3)})
