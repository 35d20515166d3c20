"""The security headers every answer carries (servicekit.edge.Edge adds them)."""

from __future__ import annotations

# No 'unsafe-inline' anywhere: htmx's indicator styles are switched off by a meta
# tag (htmx.config.includeIndicatorStyles=false) and the board ships no inline code.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
