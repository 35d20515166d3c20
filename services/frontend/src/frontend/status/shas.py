"""Commit SHAs and digests shortened for a person: one length for the whole board."""

from __future__ import annotations

# Enough hex to tell commits (and image digests) apart at a glance, as git's short SHAs do.
SHORT_SHA = 12


def short_sha(value: object) -> str:
    """The first ``SHORT_SHA`` characters; "unknown" when there is no SHA at all."""
    return str(value or "")[:SHORT_SHA] or "unknown"
