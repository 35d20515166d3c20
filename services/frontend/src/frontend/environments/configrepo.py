"""The environments' overlays read from the config repository (git), off the board's path.

The board asks for an overlay at (commit, directory) while it builds a version; it gets
what was read, or None while a worker thread reads it. When a read finishes the board is
told (``on_read``) and builds again. A commit never changes, so what was read stays
(bounded, least recently used first out); a failure (the checkout has not fetched that
commit yet, git is missing) is kept only until ``retry_seconds`` have passed. Only reads:
``git ls-tree`` and one ``git cat-file --batch`` per overlay.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from frontend.environments.overlays import Overlay, OverlayError, parse_overlay

log = logging.getLogger(__name__)

CACHED = 256  # overlays kept: a few per environment and revision
GIT_TIMEOUT_S = 20.0
MAX_FILE_BYTES = 1 << 20  # an overlay's file; anything bigger is not a patch

Key = tuple[str, str]  # (commit, directory)


@dataclass(frozen=True)
class Unreadable:
    """Why the overlay could not be read, in words for the page."""

    reason: str


def _git(repo: Path, args: list[str], stdin: bytes | None = None) -> bytes:
    git = shutil.which("git")
    if git is None:
        raise OverlayError("git not found: reading the config repository needs git")
    try:
        # The arguments are a commit checked as hex and a normalised path: no options.
        done = subprocess.run(  # noqa: S603
            [git, "-C", str(repo), *args],
            input=stdin,
            capture_output=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError as exc:
        raise OverlayError("git not found: reading the config repository needs git") from exc
    except subprocess.TimeoutExpired as exc:
        raise OverlayError(f"git {args[0]} took over {GIT_TIMEOUT_S:.0f}s in {repo}") from exc
    if done.returncode != 0:
        message = " ".join(done.stderr.decode(errors="replace").split()) or "failed"
        raise OverlayError(f"git {args[0]} in {repo}: {message}")
    return done.stdout


def read_overlay(repo: Path, commit: str, directory: str) -> Overlay:
    """DIRECTORY's files at COMMIT of REPO (a checkout or a bare repository), parsed."""
    where = f"{directory or '.'} at {commit[:12]}"
    if not repo.is_dir():
        raise OverlayError(f"{repo} is not a directory (no checkout of the config repository)")
    listing = _git(repo, ["ls-tree", "-z", f"{commit}:{directory}"])
    names = []
    for line in listing.split(b"\0"):
        meta, _, file = line.partition(b"\t")
        if meta.split(b" ")[1:2] == [b"blob"]:
            names.append(file.decode(errors="replace"))
    if not names:
        raise OverlayError(f"{where}: no files")
    prefix = f"{directory}/" if directory else ""  # "": the repository's root
    request = "".join(f"{commit}:{prefix}{name}\n" for name in names).encode()
    out = _git(repo, ["cat-file", "--batch"], stdin=request)
    files: dict[str, str] = {}
    at = 0
    for name in names:
        header_end = out.index(b"\n", at)
        size = int(out[at:header_end].split(b" ")[2])
        body = out[header_end + 1 : header_end + 1 + size]
        at = header_end + 1 + size + 1
        if size <= MAX_FILE_BYTES:
            files[name] = body.decode(errors="replace")
    return parse_overlay(files, where)


Reader = Callable[[Path, str, str], Overlay]


class ConfigOverlays:
    """What the board knows of the overlays, read in the background."""

    def __init__(
        self,
        repo: Path,
        on_read: Callable[[], None],
        retry_seconds: float = 60.0,
        read: Reader = read_overlay,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.repo = repo
        self._on_read = on_read
        self._retry_seconds = retry_seconds
        self._read = read
        self._clock = clock
        self._lock = threading.Lock()
        self._found: OrderedDict[Key, tuple[Overlay | Unreadable, float]] = OrderedDict()
        self._reading: set[Key] = set()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="config-overlays")
        # Bumped when a read brings something new: a view built on older reads is stale.
        self.generation = 0
        self.reads = 0
        self._closed = False

    def overlay(self, commit: str, directory: str) -> Overlay | Unreadable | None:
        """The overlay, why it cannot be read, or None while it is being read."""
        key = (commit, directory)
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
                result, at = found
                retry = isinstance(result, Unreadable) and (
                    self._clock() - at >= self._retry_seconds
                )
                if not retry:
                    return result
            if key not in self._reading and not self._closed:
                self._reading.add(key)
                self._pool.submit(self._fetch, key)
            return found[0] if found is not None else None

    def _fetch(self, key: Key) -> None:
        try:
            result: Overlay | Unreadable = self._read(self.repo, *key)
        # Whatever goes wrong is the step's note: the board falls back to the live objects.
        except Exception as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            result = Unreadable(reason)
            trace = None if isinstance(exc, OverlayError) else exc
            where = {"repo": str(self.repo), "commit": key[0], "path": key[1]}
            log.warning("config overlay unreadable: %s", reason, exc_info=trace, extra=where)
        with self._lock:
            self.reads += 1
            self._reading.discard(key)
            old = self._found.get(key)
            self._found[key] = (result, self._clock())
            self._found.move_to_end(key)
            while len(self._found) > CACHED:
                self._found.popitem(last=False)
            if old is None or old[0] != result:
                self.generation += 1
        if old is None or old[0] != result:
            self._on_read()

    def close(self) -> None:
        with self._lock:
            self._closed = True  # a build after the lifespan ends gets what was read
        self._pool.shutdown(wait=False, cancel_futures=True)
