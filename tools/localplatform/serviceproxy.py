"""A loopback stand-in for kube-proxy: one port that forwards to a Service's ready endpoints.

There is no kube-proxy (and no ClusterIP routing) on the local control plane, so the
board's Service probe (``FRONTEND_BACKEND_URL``) goes here instead: each connection is
forwarded, round-robin, to one ready endpoint from the Service's EndpointSlices, read
from the API every half second, as kube-proxy would program them. No ready endpoint:
HTTP 503, as a load balancer with nothing behind it answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from urllib.parse import quote

from tests.support.kube import ApiClient

_NO_ENDPOINT = b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


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


class ServiceProxy:
    def __init__(self, api: ApiClient, namespace: str, service: str, port: int = 8080) -> None:
        self.api, self.namespace, self.service, self.target_port = api, namespace, service, port
        self.host, self.port = "127.0.0.1", 0
        self.endpoints: list[str] = []
        self.errors = 0
        self._counter = itertools.count()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._serve, name="service-proxy", daemon=True),
            threading.Thread(target=self._refresh, name="service-endpoints", daemon=True),
        ]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ServiceProxy:
        for thread in self._threads:
            thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("service proxy did not start listening")
        return self

    def stop(self) -> None:
        self._stop.set()
        self._loop.call_soon_threadsafe(self._loop.stop)
        for thread in self._threads:
            thread.join(10)

    def _refresh(self) -> None:
        while not self._stop.is_set():
            try:
                self.endpoints = ready_endpoints(
                    self.api, self.namespace, self.service, self.target_port
                )
            except (OSError, RuntimeError):
                self.errors += 1  # API briefly away: keep the last known endpoints
            self._stop.wait(0.5)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        endpoints = self.endpoints
        if endpoints:
            address = endpoints[next(self._counter) % len(endpoints)]
            try:
                up_reader, up_writer = await asyncio.wait_for(
                    asyncio.open_connection(address, self.target_port), timeout=2
                )
            except (OSError, TimeoutError):
                pass
            else:
                await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
                return
        writer.write(_NO_ENDPOINT)
        with contextlib.suppress(Exception):
            await writer.drain()
            writer.close()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, self.host, self.port)
        )
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()
