"""URLs as they may be shown: in a page, an API answer, a readiness check or a log line.

A URL from a setting may carry credentials (``https://user:pass@host/`` or
``?token=...``); the services show where they connect, never how they authenticate.
"""

from __future__ import annotations

import functools
from urllib.parse import parse_qsl, urlsplit, urlunsplit

HIDDEN = "***"


# Cached: readiness names its dependencies in every /readyz and /meta answer.
@functools.lru_cache(maxsize=256)
def redact_url(url: str) -> str:
    """``url`` without its user and password (``***@`` says there were some) and with
    every query value replaced by ``***`` (any of them may be a token); the fragment,
    never sent to a server, is dropped."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return HIDDEN  # not a URL a client could use: show nothing of it
    netloc = host or ""
    if ":" in netloc:  # an IPv6 literal
        netloc = f"[{netloc}]"
    if port is not None:
        netloc = f"{netloc}:{port}"
    if parts.username is not None or parts.password is not None:
        netloc = f"{HIDDEN}@{netloc}"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = "&".join(f"{name}={HIDDEN}" for name, _ in pairs)
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def redact_in(text: str, url: str) -> str:
    """``text`` (an error message, say) with every copy of ``url`` redacted."""
    return text.replace(url, redact_url(url)) if url else text
