"""uvicorn server that ends open event streams first, so shutdown is not held up by viewers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from types import FrameType

import uvicorn

from frontend.app import create_app
from frontend.settings import Settings
from frontend.state import Runtime
from servicekit.server import server_config

log = logging.getLogger("frontend.server")


class Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, runtime: Runtime) -> None:
        super().__init__(config)
        self.runtime = runtime

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:  # noqa: ARG002
        # Not calling super(): uvicorn would re-raise the captured signal after shutdown,
        # and the process would die by SIGTERM instead of exiting 0.
        if self.should_exit:
            self.force_exit = True
            return
        self.should_exit = True
        log.info("shutting down", extra={"signal": signal.Signals(sig).name})
        # SSE streams never end on their own: release them so shutdown is not held up.
        # This runs in a signal handler, between any two bytecodes of the loop's
        # thread: the feed is closed from the loop, not from here.
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().call_soon_threadsafe(self.runtime.feed.close)


def serve(settings: Settings) -> None:
    app = create_app(settings)
    config = server_config(app, settings)
    log.info("listening", extra={"url": f"http://{settings.host}:{settings.port}/"})
    Server(config, app.state.runtime).run()
    log.info("stopped")
