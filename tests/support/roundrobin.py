"""A loopback TCP round-robin balancer, like a Service: one upstream per connection.

The verify step's test double for a Service in front of pods of mixed versions
(tests/delivery/test_verify_cli.py). With no upstream, or when the chosen one refuses
the connection (or does not accept it within ``connect_timeout``), it answers 503, as a
load balancer with no healthy backend does. Real Services are kube-proxy's, on the real
node (tools/platformkit/node).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections.abc import Callable, Iterator

Upstream = tuple[str, int]

_NO_UPSTREAM = b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


class RoundRobin:
    def __init__(
        self,
        upstreams: list[Upstream] | Callable[[], list[Upstream]],
        host: str = "127.0.0.1",
        connect_timeout: float = 2.0,
    ) -> None:
        self.upstreams = upstreams
        self.host = host
        self.port = 0
        self.connect_timeout = connect_timeout
        self._counter = itertools.count()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="round-robin", daemon=True)

    def _next(self) -> Upstream | None:
        current = self.upstreams() if callable(self.upstreams) else self.upstreams
        return current[next(self._counter) % len(current)] if current else None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream = self._next()
            if upstream is not None:
                try:
                    up_reader, up_writer = await asyncio.wait_for(
                        asyncio.open_connection(*upstream), timeout=self.connect_timeout
                    )
                except (OSError, TimeoutError):
                    pass
                else:
                    await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
                    return
            writer.write(_NO_UPSTREAM)
            await writer.drain()
        except (ConnectionError, OSError):
            pass
        except asyncio.CancelledError:
            pass  # stop() with a connection open: end quietly (asyncio logs a cancelled one)
        finally:  # and always close, so wait_closed() is not kept waiting
            with contextlib.suppress(Exception):
                writer.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, self.host, 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.run_until_complete(server.wait_closed())
        self._loop.close()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> RoundRobin:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the round-robin balancer did not start listening")
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@contextlib.contextmanager
def round_robin(upstreams: list[Upstream]) -> Iterator[RoundRobin]:
    balancer = RoundRobin(upstreams).start()
    try:
        yield balancer
    finally:
        balancer.stop()
