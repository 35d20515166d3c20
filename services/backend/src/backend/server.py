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
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import uvicorn

from backend.app import create_app
from backend.listener import queued_connections, stop_new_connections
from backend.runtime import Runtime
from backend.settings import Settings
from servicekit.server import server_config

log = logging.getLogger("backend.server")
# uvicorn ticks every 0.1 s. Once new connections are refused, close when the accept
# queue has been empty for this many ticks (so the last accepted connections' requests
# have been read), or after the bound whatever is still queued.
SETTLED_TICKS = 2
MAX_CLOSING_TICKS = 30


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, runtime: Runtime, drain_delay: float) -> None:
        super().__init__(config)
        self.runtime = runtime
        self.drain_delay = drain_delay
        self.drain_deadline: float | None = None
        self.closing_at: int | None = None  # the tick new connections began to be refused
        self.empty_since: int | None = None  # the first tick the accept queues were empty

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
                self.closing_at = counter
                self._refuse_new_connections()
            if self._closing_settled(counter, self.closing_at):
                log.info("drain delay over: closing listeners, finishing in-flight requests")
                return True
        return await super().on_tick(counter)

    def _refuse_new_connections(self) -> None:
        # Closing a listener resets the connections the kernel has queued but the server
        # not yet accepted (see backend.listener). Stop the kernel queueing new ones, and
        # keep the loop running until it has accepted what is queued.
        for listener in self._listeners():
            if not stop_new_connections(listener):
                # Elsewhere than Linux: at least shrink the queue, so few connections wait.
                listener.listen(0)

    def _closing_settled(self, counter: int, closing_at: int) -> bool:
        if counter - closing_at >= MAX_CLOSING_TICKS:
            return True
        queued = [queued_connections(listener) for listener in self._listeners()]
        if any(n is None for n in queued):
            self.empty_since = closing_at  # unknown: wait the settling ticks only
        elif any(queued):
            self.empty_since = None
        elif self.empty_since is None:
            self.empty_since = counter
        return self.empty_since is not None and counter - self.empty_since >= SETTLED_TICKS

    def _listeners(self) -> Iterator[socket.socket]:
        for server in getattr(self, "servers", []):
            for transport_socket in server.sockets:
                with _shared(transport_socket.fileno()) as listener:
                    yield listener


@contextmanager
def _shared(fileno: int) -> Iterator[socket.socket]:
    # A dup shares the listening socket: options and listen() set on it apply to it.
    with socket.socket(fileno=os.dup(fileno)) as listener:
        yield listener


def serve(settings: Settings) -> None:
    runtime = Runtime()
    config = server_config(create_app(settings, runtime), settings)
    DrainingServer(config, runtime, settings.drain_delay_seconds).run()
    log.info("stopped", extra={"uptime_s": round(runtime.lifecycle.uptime_seconds(), 3)})
