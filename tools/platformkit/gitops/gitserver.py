"""A read-only git server on loopback, speaking smart HTTP through ``git http-backend``.

Flux's GitRepository accepts only http(s) and ssh URLs, and its go-git client speaks
smart HTTP only (``info/refs?service=git-upload-pack``, then ``git-upload-pack``), so
the dumb protocol or ``git://`` would not do. ``git http-backend`` is git's own CGI
for that protocol; this module is the few lines of HTTP server in front of it.

Read-only by construction: http-backend refuses ``git-receive-pack`` when no
``REMOTE_USER`` is set, and none ever is. The pipeline pushes to the bare repository
on disk, as CI would push to the forge.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from delivery.git import run as git


def _cgi_response(output: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """Split a CGI answer into status, headers and body (``Status:`` defaults to 200)."""
    head, _, body = output.partition(b"\r\n\r\n")
    if not _:
        head, _, body = output.partition(b"\n\n")
    status, headers = 200, []
    for line in head.decode("latin-1").splitlines():
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.strip().split()[0])
        elif name:
            headers.append((name.strip(), value.strip()))
    return status, headers, body


def seed_clone(remote: Path, work: Path, tree: Path, author: tuple[str, str], message: str) -> None:
    """Clone the bare REMOTE into WORK and commit a copy of the directory TREE (under its own
    name) as AUTHOR (name, email); nothing is pushed yet."""
    subprocess.run(["git", "clone", "-q", str(remote), str(work)], check=True, capture_output=True)
    git(work, "config", "user.name", author[0])
    git(work, "config", "user.email", author[1])
    shutil.copytree(tree, work / tree.name)
    git(work, "add", tree.name)
    git(work, "commit", "-qm", message)


@dataclass
class GitServer:
    """Serves every bare repository under ``root`` at ``http://127.0.0.1:<port>/<name>.git``."""

    root: Path
    host: str = "127.0.0.1"
    port: int = 0
    requests: list[str] = field(default_factory=list)  # "GET /x.git/info/refs 200", for tests
    _server: ThreadingHTTPServer | None = None

    def create_repo(self, name: str) -> Path:
        path = self.root / f"{name}.git"
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True)
        return path

    def url(self, name: str) -> str:
        return f"http://{self.host}:{self.port}/{name}.git"

    def start(self) -> GitServer:
        self.root.mkdir(parents=True, exist_ok=True)
        server = ThreadingHTTPServer((self.host, self.port), self._handler())
        server.daemon_threads = True
        self.port = int(server.server_address[1])
        self._server = server
        threading.Thread(target=server.serve_forever, name="git-server", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._backend()

            def do_POST(self) -> None:
                self._backend()

            def log_message(self, format: str, *args: object) -> None:
                pass  # the request list is the log; stderr stays quiet

            def _backend(self) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                env = {
                    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                    "GIT_PROJECT_ROOT": str(server.root),
                    "GIT_HTTP_EXPORT_ALL": "1",
                    "REQUEST_METHOD": self.command,
                    "PATH_INFO": url.path,
                    "QUERY_STRING": url.query,
                    "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                    "CONTENT_LENGTH": str(len(body)),
                    "REMOTE_ADDR": self.client_address[0],
                    "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
                    "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
                }
                result = subprocess.run(
                    ["git", "http-backend"], input=body, env=env, capture_output=True, check=False
                )
                status, headers, payload = _cgi_response(result.stdout)
                if result.returncode != 0 and not result.stdout:
                    status, headers, payload = 500, [], result.stderr
                server.requests.append(f"{self.command} {url.path} {status}")
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.platformkit.gitops.gitserver ROOT --port N``: serve until SIGTERM.

    ``make run`` runs the server as a process of its own, so that it can be killed and
    started again on the same port like any other part (tools/localplatform/supervisor.py).
    """
    parser = argparse.ArgumentParser(prog="python -m tools.platformkit.gitops.gitserver")
    parser.add_argument("root", type=Path, help="the directory holding the bare repositories")
    parser.add_argument("--port", type=int, required=True, help="on 127.0.0.1")
    args = parser.parse_args(argv)
    server = GitServer(args.root, port=args.port).start()
    sys.stdout.write(f"serving {args.root} on {server.url('<name>')}\n")
    sys.stdout.flush()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stopped.set())
    signal.signal(signal.SIGINT, lambda _signum, _frame: stopped.set())
    stopped.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
