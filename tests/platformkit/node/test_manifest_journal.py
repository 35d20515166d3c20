"""ManifestJournal through a transport seam: what it asks the registry, what it refuses.
(The round trip through a real, restarted crane registry is test_registry.py.)"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx
import pytest

from tools.platformkit.node.registry import MANIFEST_TYPES, ManifestJournal, RegistryError

URL = "http://127.0.0.1:5000"
OCI_MANIFEST = MANIFEST_TYPES[1]
BODY = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "layers": []}).encode()
DIGEST = "sha256:" + hashlib.sha256(BODY).hexdigest()


def serving(body: bytes, puts: list[httpx.Request], put_status: int = 201) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            puts.append(request)
            return httpx.Response(put_status, text="" if put_status == 201 else "MANIFEST_INVALID")
        assert set(request.headers["accept"].split(", ")) == set(MANIFEST_TYPES)
        return httpx.Response(200, content=body, headers={"content-type": OCI_MANIFEST})

    return httpx.MockTransport(handle)


def test_kept_then_replayed_byte_for_byte_by_digest(tmp_path: Path) -> None:
    puts: list[httpx.Request] = []
    journal = ManifestJournal(tmp_path, serving(BODY, puts))
    assert journal.keep(URL, "owner/app", DIGEST) == [DIGEST]
    assert journal.replay(URL) == 1
    (put,) = puts
    assert put.url == httpx.URL(f"{URL}/v2/owner/app/manifests/{DIGEST}")
    assert put.content == BODY
    assert put.headers["content-type"] == OCI_MANIFEST


def test_a_manifest_kept_by_tag_is_put_back_under_its_tag_too(tmp_path: Path) -> None:
    puts: list[httpx.Request] = []
    journal = ManifestJournal(tmp_path, serving(BODY, puts))
    journal.keep(URL, "owner/app", "v1")
    journal.replay(URL)
    assert [p.url.path for p in puts] == [
        f"/v2/owner/app/manifests/{DIGEST}",
        "/v2/owner/app/manifests/v1",
    ]


def test_a_registry_serving_other_bytes_for_a_digest_is_refused(tmp_path: Path) -> None:
    journal = ManifestJournal(tmp_path, serving(BODY + b" ", []))
    with pytest.raises(RegistryError, match=f"owner/app@{DIGEST}: the registry served sha256:"):
        journal.keep(URL, "owner/app", DIGEST)
    assert list(tmp_path.iterdir()) == []  # nothing kept


def test_a_refused_put_names_the_manifest_and_the_file(tmp_path: Path) -> None:
    journal = ManifestJournal(tmp_path / "kept", serving(BODY, [], put_status=400))
    journal.keep(URL, "owner/app", DIGEST)
    with pytest.raises(RegistryError, match=rf"PUT owner/app manifest {DIGEST} from .*: 400"):
        journal.replay(URL)


def test_nothing_kept_replays_nothing(tmp_path: Path) -> None:
    assert ManifestJournal(tmp_path / "none", serving(BODY, [])).replay(URL) == 0
