"""URLs as they may be shown: in a page, an API answer, a readiness check or a log line.

A URL from a setting may carry credentials (``https://user:pass@host/`` or
``?token=...``); the services show where they connect, never how they authenticate.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, urlsplit, urlunsplit

HIDDEN = "***"
# A URL inside free text: a scheme, "://", then up to a space, a quote or a comma (the
# separators of lists and of Python's reprs).
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\",]*")


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
        return _redact_unparsed(url)  # a bad setting's value, say: still never its secrets
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


def redact_urls(text: str) -> str:
    """``text`` with every URL in it redacted, wherever it came from: a settings error
    quotes the bad value, and a bad value may still carry a password."""
    return _URL_IN_TEXT.sub(lambda found: redact_url(found.group()), text)


def _redact_unparsed(url: str) -> str:
    """What ``redact_url`` shows of a URL that does not parse (``http://a:b@[::1``): cut
    by its delimiters alone, the same parts hidden."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return HIDDEN
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    netloc, tail = rest[:end], rest[end:].partition("#")[0]
    if "@" in netloc:
        netloc = f"{HIDDEN}@{netloc.rpartition('@')[2]}"
    path, mark, query = tail.partition("?")
    if mark:
        names = (pair.partition("=")[0] for pair in query.split("&") if pair)
        path += "?" + "&".join(f"{name}={HIDDEN}" for name in names)
    return f"{scheme}://{netloc}{path}"
