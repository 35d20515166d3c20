"""URLs shown to anyone keep where they point and lose how they authenticate."""

from __future__ import annotations

import pytest

from servicekit.redaction import redact_in, redact_url, redact_urls


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://127.0.0.1:8080/meta", "http://127.0.0.1:8080/meta"),
        ("https://user:s3cret@db.example:5432/healthz", "https://***@db.example:5432/healthz"),
        ("https://token-only@db.example/", "https://***@db.example/"),
        (
            "https://db.example/healthz?token=abc&region=eu",
            "https://db.example/healthz?token=***&region=***",
        ),
        ("https://db.example/healthz?flag", "https://db.example/healthz?flag=***"),
        ("http://[::1]:9000/x#frag", "http://[::1]:9000/x"),
        ("http://[::1", "http://[::1"),
        ("http://a:b@[::1/p?token=abc#f", "http://***@[::1/p?token=***"),
        ("not a url", "not a url"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert "s3cret" not in redact_url(url)
    assert "abc" not in redact_url(url)


def test_redact_in_replaces_every_copy_of_the_url() -> None:
    url = "https://u:p@h.example/?k=v"
    message = f"GET {url} failed; retried {url}"
    assert redact_in(message, url) == (
        "GET https://***@h.example/?k=*** failed; retried https://***@h.example/?k=***"
    )


def test_redact_urls_finds_every_url_in_free_text() -> None:
    text = "('http://u:p@a.example/?t=1', 'https://b.example/x') and ftp://c:d@[::1 too"

    assert redact_urls(text) == (
        "('http://***@a.example/?t=***', 'https://b.example/x') and ftp://***@[::1 too"
    )


def test_redact_urls_leaves_text_without_urls_alone() -> None:
    assert redact_urls("must be > 0, not 'abc'") == "must be > 0, not 'abc'"
