"""A settings ValidationError as one line naming each variable and its value."""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from servicekit.redaction import redact_urls

# Values of settings whose names contain these are never echoed back.
_SECRET_WORDS = ("token", "secret", "password")


def is_secret(name: str) -> bool:
    """Whether the setting called ``name`` holds a credential, whose value is never shown."""
    return any(word in name.lower() for word in _SECRET_WORDS)


def describe_error(exc: ValidationError, settings: type[BaseSettings]) -> str:
    """``invalid setting <PREFIX><NAME>=<value>: <reason>``, joined with "; "."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    parts = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"] if not isinstance(part, int)]
        # A value may be a URL with a password in it: shown the way the running
        # services show URLs (servicekit.redaction), in the value and in the reason.
        reason = redact_urls(str(error["msg"]).removeprefix("Value error, "))
        if loc:
            shown = "<redacted>" if is_secret(loc[0]) else redact_urls(repr(error.get("input")))
            parts.append(f"invalid setting {prefix}{loc[0].upper()}={shown}: {reason}")
        else:
            parts.append(reason)
    return "; ".join(parts)
