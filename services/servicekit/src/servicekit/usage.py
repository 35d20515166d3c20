"""``--help`` text: exit codes and a table of every setting, derived from the Settings class.

The table is built from ``model_fields``, so a new field shows up in ``--help`` without
anyone remembering to document it twice. It never reads the environment.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import AnyUrl, SecretBytes, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings

from servicekit.settings_errors import is_secret

EXIT_CODES = """\
exit codes:
  0  clean shutdown (after SIGTERM or SIGINT)
  1  any other start-up failure, such as the port being in use
  2  an invalid setting: one line on stderr names the variable and its value"""

_NAMES: dict[Any, str] = {
    str: "str",
    int: "int",
    float: "float",
    bool: "bool",
    Path: "path",
    datetime: "datetime (ISO 8601)",
    SecretStr: "secret",
    SecretBytes: "secret",
}
_HEADER = ("variable", "type", "default", "description")
# The annotated_types constraints pydantic records for ge=, gt=, le= and lt=.
_BOUNDS = ("ge", "gt", "le", "lt")


def env_name(settings: type[BaseSettings], field: str) -> str:
    """The environment variable that sets ``field``: the class's prefix, upper-cased."""
    return f"{settings.model_config.get('env_prefix', '')}{field}".upper()


def describe_type(field: FieldInfo) -> str:
    """The value's type as a person would write it, with numeric bounds as an interval."""
    shown = _type_name(field.annotation)
    bounds = {
        key: getattr(rule, key) for rule in field.metadata for key in _BOUNDS if hasattr(rule, key)
    }
    if bounds:
        low = f"[{bounds['ge']}" if "ge" in bounds else f"({bounds.get('gt', '-inf')}"
        high = f"{bounds['le']}]" if "le" in bounds else f"{bounds.get('lt', 'inf')})"
        shown += f" {low}, {high}"
    return shown


def describe_default(name: str, field: FieldInfo) -> str:
    """The default as it would be written in the environment; secrets' defaults never show."""
    if is_secret(name) or _mentions_secret(field.annotation):
        return "<redacted>"
    if field.default_factory is not None:
        value = field.get_default(call_default_factory=True, validated_data={})
    else:
        value = field.default
    if value is PydanticUndefined:
        return "required"
    return _env_value(value)


def settings_table(settings: type[BaseSettings]) -> str:
    """One row per setting: variable, type, default and description, in declaration order."""
    rows = [_HEADER] + [
        (
            env_name(settings, name),
            describe_type(field),
            describe_default(name, field),
            field.description or "",
        )
        for name, field in settings.model_fields.items()
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(_HEADER) - 1)]
    # The last column, the description, is not padded: nothing follows it.
    lines = [
        "  " + "  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def _type_name(annotation: Any) -> str:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return "|".join(str(arg) for arg in args)
    if origin in (Union, types.UnionType):
        # Optional values are shown by their default ("unset"), not by their type.
        return " | ".join(_type_name(arg) for arg in args if arg is not type(None))
    if origin is tuple:
        return f"comma list of {_type_name(args[0])}"
    if isinstance(annotation, type) and issubclass(annotation, AnyUrl):
        return "url"
    return _NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _mentions_secret(annotation: Any) -> bool:
    return any(part in (SecretStr, SecretBytes) for part in _walk(annotation))


def _walk(annotation: Any) -> Iterator[Any]:
    yield annotation
    for arg in get_args(annotation):
        yield from _walk(arg)


def _env_value(value: object) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple | list):
        return ",".join(_env_value(item) for item in value) or "empty"
    return str(value)
