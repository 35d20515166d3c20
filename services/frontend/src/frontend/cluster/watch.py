"""List-then-watch of one resource kind in one namespace (semantics only, no client).

Lists are paged; watches resume from the last resourceVersion with bookmarks;
410 Gone means re-list; a periodic re-list bounds drift; every failure backs off
exponentially with jitter. On an outage the last-known objects stay, marked stale.
The transport is ``frontend.cluster.kube.KubeApi``, passed in; the kinds are
``frontend.cluster.kinds``.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from frontend.cluster.journal import Journal
from frontend.cluster.kinds import ALL_NAMESPACES, Kind
from frontend.cluster.snapshot import Json, StreamStatus
from frontend.settings import Settings

log = logging.getLogger(__name__)

_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


class GoneError(Exception):
    """The resourceVersion is too old (HTTP 410): re-list."""


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


class Watching(Protocol):
    def lines(self) -> Iterator[str]: ...
    def shutdown(self) -> None: ...
    def close(self) -> None: ...


class Transport(Protocol):
    def get(self, path: str, query: list[tuple[str, Any]], timeout: float = ...) -> Json: ...
    def watch(self, path: str, query: list[tuple[str, Any]], timeout: float) -> Watching: ...


# Per kind, the status fields the board never reads: a Node lists every image it holds
# (kilobytes each, and changed by every pull) and its volumes.
_UNREAD_STATUS = {"nodes": ("images", "volumesInUse", "volumesAttached")}


def slim(obj: Json, plural: str = "") -> Json:
    """Drop what the board never reads but costs memory: managedFields, last-applied."""
    meta = obj.get("metadata") or {}
    meta.pop("managedFields", None)
    (meta.get("annotations") or {}).pop(_LAST_APPLIED, None)
    status = obj.get("status")
    if isinstance(status, dict):
        for key in _UNREAD_STATUS.get(plural, ()):
            status.pop(key, None)
    return obj


def backoff(failures: int, cap: float) -> float:
    """Exponential backoff from 0.25 s with 50-100 % jitter, capped."""
    if failures <= 0:
        return 0.0
    delay: float = min(cap, 0.25 * 2.0 ** min(failures, 16))
    return delay * random.uniform(0.5, 1.0)  # noqa: S311


class Stream:
    """List-then-watch one kind in one namespace, in a daemon thread, until stopped."""

    def __init__(
        self, api: Transport, kind: Kind, namespace: str, settings: Settings,
        changed: Callable[[], None],
    ) -> None:  # fmt: skip
        self.api, self.kind, self.namespace, self.settings = api, kind, namespace, settings
        self.changed = changed
        self.journal = Journal(kind.plural, namespace)
        self.rv: str | None = None
        self.synced = self.settled = False
        self.stale_since: datetime | None = None
        self.problem: str | None = None
        self.watch_restarts = self.relists = self.errors = 0
        self.gone = False  # the kind itself disappeared (CRD deleted)
        self._stop = threading.Event()
        self._resp: Watching | None = None
        name = f"watch-{kind.plural}-{namespace}"
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    @property
    def items(self) -> Mapping[str, Json]:
        return self.journal.items

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        resp = self._resp
        if resp is not None:
            resp.shutdown()

    def status(self) -> StreamStatus:
        return StreamStatus(
            self.kind.plural, self.namespace, self.synced, self.settled, self.stale_since,
            self.problem, self.watch_restarts, self.relists, self.errors, len(self.items),
        )  # fmt: skip

    def _query(self) -> list[tuple[str, Any]]:
        return [("fieldSelector", self.kind.selector)] if self.kind.selector else []

    def _run(self) -> None:
        failures = 0
        listed_at = 0.0
        while not self._stop.is_set():
            try:
                if self.rv is None or time.monotonic() - listed_at > self.settings.resync_seconds:
                    self._list()
                    listed_at = time.monotonic()
                self._watch()
                failures = 0
            except GoneError:
                log.info("watch expired (410): re-listing", extra=self._where())
                self.rv = None
                continue
            except HttpError as exc:
                failures += 1
                self._fail(exc.status, str(exc))
                if exc.status == 404:
                    self.gone = True
                    return
            except Exception as exc:  # network, TLS, decode: the apiserver is unreachable
                failures += 1
                self._fail(0, f"{type(exc).__name__}: {exc}")
            if not self._stop.is_set():
                self.watch_restarts += 1
            self._stop.wait(backoff(failures, self.settings.backoff_max_seconds))

    def _where(self) -> dict[str, str]:
        return {"kind": self.kind.plural, "namespace": self.namespace}

    def _fail(self, status: int, detail: str) -> None:
        if self._stop.is_set():
            return
        self.errors += 1
        where = (
            "cluster-wide" if self.namespace == ALL_NAMESPACES
            else f'in namespace "{self.namespace}"'
        )  # fmt: skip
        if status == 403:
            self.problem = (
                f"forbidden: cannot list {self.kind.plural} {where} "
                f"(needs get/list/watch on {self.kind.rbac_name})"
            )
            self.settled = True
        elif status == 401:
            self.problem = "unauthorized: the apiserver rejected the credentials"
        else:
            self.problem = f"cannot reach the Kubernetes API ({self.kind.plural} {where}): {detail}"
        if self.stale_since is None and (self.synced or status != 403):
            self.stale_since = datetime.now(UTC)
        log.warning("watch failed", extra={**self._where(), "status": status, "error": detail})
        self.changed()

    def _list(self) -> None:
        items: dict[str, Json] = {}
        cont: str | None = None
        while True:
            query = [*self._query(), ("limit", 500)] + ([("continue", cont)] if cont else [])
            try:
                page = self.api.get(self.kind.path(self.namespace), query)
            except HttpError as exc:
                if exc.status == 410 and cont:  # continue token expired mid-list: start over
                    cont, items = None, {}
                    continue
                raise
            for obj in page.get("items") or []:
                items[obj["metadata"]["uid"]] = slim(obj, self.kind.plural)
            cont = (page.get("metadata") or {}).get("continue")
            if not cont:
                break
        self.journal.replace(items)
        self.rv = page["metadata"]["resourceVersion"]
        self.relists += 1
        self.synced = self.settled = True
        self.problem = self.stale_since = None
        self.changed()

    def _watch(self) -> None:
        timeout = self.settings.watch_timeout_seconds + random.randint(0, 30)  # noqa: S311
        query = [*self._query(), ("watch", "true"), ("resourceVersion", self.rv),
                 ("allowWatchBookmarks", "true"), ("timeoutSeconds", timeout)]  # fmt: skip
        try:
            resp = self.api.watch(self.kind.path(self.namespace), query, timeout + 30)
        except HttpError as exc:
            if exc.status == 410:
                raise GoneError from exc
            raise
        self._resp = resp
        if self.stale_since is not None:  # reconnected without needing a re-list
            self.problem = self.stale_since = None
            self.changed()
        try:
            for line in resp.lines():
                if self._stop.is_set():
                    return
                self._apply(json.loads(line))
        finally:
            self._resp = None
            resp.close()

    def _apply(self, event: Json) -> None:
        kind, obj = event.get("type"), event.get("object") or {}
        if kind == "ERROR":
            if obj.get("code") == 410:
                raise GoneError(obj.get("message"))
            raise HttpError(int(obj.get("code") or 500), str(obj.get("message")))
        meta = obj.get("metadata") or {}
        self.rv = meta.get("resourceVersion") or self.rv
        if kind == "BOOKMARK":
            return
        if kind == "DELETED":
            self.journal.delete(str(meta.get("uid")))
        else:
            self.journal.put(meta["uid"], slim(obj, self.kind.plural))
        self.changed()
