"""The backend versions as the local platform publishes them: pure bookkeeping, on tables.

Publishing for real (push, crane mutate, pull by digest) is test_run.py's and the
real-node tier's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.localplatform import versions
from tools.localplatform.versions import Release, Releases, Version


def _digest(n: int) -> str:
    return f"sha256:{n:064x}"


def _releases() -> Releases:
    published = tuple(
        Release(v, _digest(i), f"127.0.0.1:5000/r@{_digest(i)}")
        for i, v in enumerate(versions.ALL, 1)
    )
    return Releases("127.0.0.1:5000", "r", _digest(99), "2026-12-06T00:00:00Z", "a" * 40, published)


def test_a_version_is_good_bad_or_crash_and_says_so_in_its_environment() -> None:
    assert versions.BAD.kind == "bad"
    assert not versions.BAD.good
    assert versions.BAD.env()["BACKEND_READINESS_URLS"] == versions.NEVER_ANSWERS
    assert versions.CRASH.env()["BACKEND_PORT"] == "not-a-port"
    assert versions.SEED.env() == {"BACKEND_GIT_SHA": versions.SEED.sha, "BACKEND_VERSION": "1.0.0"}


@pytest.mark.parametrize(
    ("label", "good", "kind", "error"),
    [
        ("3.0.0", True, "crash", "contradicts"),
        ("3.0.0", True, "nope", "unknown kind"),
        ("not a tag!", True, "good", "not a tag|tag"),
    ],
)
def test_a_contradictory_version_is_refused_by_name(
    label: str, good: bool, kind: str, error: str
) -> None:
    with pytest.raises(ValueError, match=error):
        Version(label, good, kind)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ([], "1.1.0"),  # nothing known: the one after the seed
        ([_digest(1)], "1.1.0"),
        ([_digest(2), _digest(1)], "1.2.0"),
        ([_digest(6), _digest(5)], "1.0.0"),  # bad on top: after the newest good, 1.4.0, wraps
        ([_digest(42)], "1.1.0"),  # a digest this run never published
    ],
)
def test_the_next_good_version_follows_the_newest_good_one(
    history: list[str], expected: str
) -> None:
    assert _releases().next_good(history).label == expected


def test_the_releases_survive_the_process_that_published_them(tmp_path: Path) -> None:
    releases = _releases()
    path = releases.save(tmp_path)
    assert path == tmp_path / versions.RELEASES_FILE
    loaded = Releases.load(tmp_path)
    assert loaded == releases
    assert loaded.seed.digest == _digest(1)
    assert loaded.by_digest(_digest(6)) == loaded.bad
    assert loaded.by_digest(None) is None
    with pytest.raises(FileNotFoundError):
        Releases.load(tmp_path / "elsewhere")
