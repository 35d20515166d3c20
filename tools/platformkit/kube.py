"""Talking to the test cluster: a kubectl wrapper and a stdlib HTTPS API client.

kubectl covers what users do (apply, rollout status, auth can-i); the raw client
covers what kubectl hides: exact HTTP status codes, watch streams, bearer tokens.
"""

from __future__ import annotations

import http.client
import json
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

Json = dict[str, Any]


@dataclass
class ApiClient:
    """Minimal REST client; ``token`` switches from the client cert to a bearer token."""

    server: str
    context: ssl.SSLContext
    token: str | None = None
    timeout: float = 10.0
    user_agent: str = "gitops-platform-tests"

    def _conn(self, timeout: float | None = None) -> http.client.HTTPSConnection:
        url = urlsplit(self.server)
        return http.client.HTTPSConnection(
            url.hostname or "127.0.0.1",
            url.port,
            context=self.context,
            timeout=timeout or self.timeout,
        )

    def _headers(self, body: bytes | None, content_type: str) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": self.user_agent}
        if body is not None:
            headers["Content-Type"] = content_type
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def request(
        self,
        method: str,
        path: str,
        body: Json | None = None,
        content_type: str = "application/json",
    ) -> tuple[int, Json]:
        data = None if body is None else json.dumps(body).encode()
        conn = self._conn()
        try:
            conn.request(method, path, body=data, headers=self._headers(data, content_type))
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            parsed = {"raw": raw.decode(errors="replace")}
        return resp.status, parsed if isinstance(parsed, dict) else {"items": parsed}

    def get(self, path: str) -> Json:
        status, obj = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}: {obj}")
        return obj

    def watch(self, path: str, timeout: float = 10.0) -> Iterator[Json]:
        """Yield watch events (one JSON object per line) until the stream ends."""
        conn = self._conn(timeout)
        try:
            conn.request("GET", path, headers=self._headers(None, ""))
            resp = conn.getresponse()
            if resp.status != 200:
                body = resp.read().decode(errors="replace")
                yield {"type": "HTTP", "status": resp.status, "object": _loads(body)}
                return
            for line in resp:
                if line.strip():
                    yield json.loads(line)
        finally:
            conn.close()


def _loads(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body


@dataclass
class Kube:
    """kubectl bound to one kubeconfig."""

    kubectl: str
    kubeconfig: Path
    env: dict[str, str] = field(default_factory=dict)

    def run(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [self.kubectl, f"--kubeconfig={self.kubeconfig}", *args],
            input=input,
            capture_output=True,
            check=False,
            text=True,
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise RuntimeError(
                f"kubectl {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}{proc.stdout}"
            )
        return proc

    def json(self, *args: str) -> Json:
        out = self.run(*args, "-o", "json").stdout
        loaded: Json = json.loads(out)
        return loaded

    def apply(self, *objects: Json, namespace: str | None = None) -> None:
        doc = {"apiVersion": "v1", "kind": "List", "items": list(objects)}
        ns = [f"--namespace={namespace}"] if namespace else []
        self.run("apply", *ns, "-f", "-", input=json.dumps(doc))

    def rollout_status(self, deployment: str, namespace: str, timeout: str = "60s") -> str:
        return self.run(
            "rollout",
            "status",
            f"deployment/{deployment}",
            f"--namespace={namespace}",
            f"--timeout={timeout}",
        ).stdout


def token_kubeconfig(
    server: str, ca_file: Path, token: str, path: Path, namespace: str | None = None
) -> Path:
    """A kubeconfig that authenticates with a bearer token, readable by its owner only.

    Written to a temporary name, then renamed: a process waiting for it never reads half a file.
    """
    context = {"cluster": "local", "user": "token"}
    if namespace:
        context["namespace"] = namespace
    doc = {
        "apiVersion": "v1", "kind": "Config", "current-context": "token",
        "clusters": [{"name": "local",
                      "cluster": {"server": server, "certificate-authority": str(ca_file)}}],
        "users": [{"name": "token", "user": {"token": token}}],
        "contexts": [{"name": "token", "context": context}],
    }  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(doc))
    partial.chmod(0o600)
    partial.replace(path)
    return path


def service_account_kubeconfig(
    kube: Kube, server: str, ca_file: Path, account: str, namespace: str, path: Path
) -> Path:
    """Mint a 24 h token for NAMESPACE/ACCOUNT (TokenRequest) and write its kubeconfig."""
    token = kube.run("create", "token", account, "-n", namespace, "--duration=24h").stdout
    return token_kubeconfig(server, ca_file, token.strip(), path, namespace)
