"""A loopback TCP round-robin balancer, like a Service: one upstream per connection.

The upstreams are a fixed list, or a callable read on every connection (a list that
changes, such as a Service's ready endpoints). With no upstream, or when the chosen one
refuses the connection (or does not accept it within ``connect_timeout``), it answers
503, as a load balancer with no healthy backend does.

``ServiceProxy`` is that balancer in front of a Service, standing in for kube-proxy:
``ServiceEndpoints`` re-reads the Service's EndpointSlices from the API every half
second and the balancer forwards to the ready endpoints it last saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections.abc import Callable, Iterator
from urllib.parse import quote

from tools.platformkit.kube import ApiClient

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


def ready_endpoints(api: ApiClient, namespace: str, service: str, port: int) -> list[str]:
    """Addresses of the Service's ready endpoints (what kube-proxy would route to)."""
    selector = quote(f"kubernetes.io/service-name={service}")
    slices = api.get(
        f"/apis/discovery.k8s.io/v1/namespaces/{namespace}/endpointslices?labelSelector={selector}"
    )
    found: list[str] = []
    for item in slices.get("items", []):
        if not any(p.get("port") == port for p in item.get("ports") or []):
            continue
        for endpoint in item.get("endpoints") or []:
            if (endpoint.get("conditions") or {}).get("ready"):
                found.extend(endpoint.get("addresses") or [])
    return sorted(found)


class ServiceEndpoints:
    """A Service's ready endpoints on ``port``, re-read every ``every`` seconds in a thread.

    Called, it gives the (address, port) upstreams last seen; while the API is briefly
    away it keeps the last known ones (and counts ``errors``).
    """

    def __init__(
        self, api: ApiClient, namespace: str, service: str, port: int, every: float = 0.5
    ) -> None:
        self.api, self.namespace, self.service, self.port = api, namespace, service, port
        self.every = every
        self.addresses: list[str] = []
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._refresh, name="service-endpoints", daemon=True)

    def __call__(self) -> list[Upstream]:
        return [(address, self.port) for address in self.addresses]

    def _refresh(self) -> None:
        while not self._stop.is_set():
            try:
                self.addresses = ready_endpoints(self.api, self.namespace, self.service, self.port)
            except (OSError, RuntimeError):
                self.errors += 1
            self._stop.wait(self.every)

    def start(self) -> ServiceEndpoints:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


class ServiceProxy(RoundRobin):
    """kube-proxy's part for one Service: a loopback port forwarding to its ready endpoints."""

    def __init__(self, api: ApiClient, namespace: str, service: str, port: int = 8080) -> None:
        self.endpoints = ServiceEndpoints(api, namespace, service, port)
        super().__init__(self.endpoints)

    def start(self) -> ServiceProxy:
        self.endpoints.start()
        try:
            super().start()
        except RuntimeError:
            self.endpoints.stop()
            raise
        return self

    def stop(self) -> None:
        self.endpoints.stop()
        super().stop()
