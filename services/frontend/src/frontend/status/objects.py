"""Typed reads of Kubernetes API objects held as plain JSON dicts (camelCase keys).

The Go tools we mirror see typed structs, so a field missing from the JSON reads as Go's zero
value: 0 for integers, "" for strings, an empty map or list. Every accessor here applies the
same defaults, so the status rules can be ported line by line.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

Obj = Mapping[str, Any]

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"
CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause"
HASH_LABEL = "pod-template-hash"

_EMPTY: Obj = {}
# Go's zero time.Time as RFC 3339: metav1.Time.IsZero() is true, so Go code treats it as unset.
ZERO_TIME = "0001-01-01T00:00:00Z"
_INT64 = 2**63
_GO_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
}


def _at(obj: Obj | None, path: tuple[str, ...]) -> Any:
    """The value at ``path``, or None when any step is missing or not a mapping.

    These lookups are most of what building a card costs: JSON from the API is plain
    dicts, and the exact type check is several times cheaper than the ABC's.
    """
    node: Any = obj
    for key in path:
        if type(node) is not dict and not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def mapping(obj: Obj | None, *path: str) -> Obj:
    """The mapping at ``path``, or an empty one when any step is missing or not a mapping."""
    node = _at(obj, path)
    return node if type(node) is dict or isinstance(node, Mapping) else _EMPTY


def items(obj: Obj | None, *path: str) -> list[Obj]:
    """The list of mappings at ``path``; anything that is not a mapping is dropped."""
    node = _at(obj, path)
    if type(node) is not list and not isinstance(node, list):
        return []
    return [entry for entry in node if type(entry) is dict or isinstance(entry, Mapping)]


def text(obj: Obj | None, *path: str) -> str:
    """The string at ``path``, or "" like an unset Go string."""
    value = _at(obj, path)
    return value if type(value) is str or isinstance(value, str) else ""


def optional_number(obj: Obj | None, *path: str) -> int | None:
    """The integer at ``path``, or None where Go has a nil pointer (e.g. ``spec.replicas``)."""
    value = _at(obj, path)
    # bool is an int subclass in Python, but never a valid int32 in the API.
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def number(obj: Obj | None, *path: str) -> int:
    """The integer at ``path``, or 0 like an unset Go int32."""
    value = optional_number(obj, *path)
    return 0 if value is None else value


def flag(obj: Obj | None, *path: str) -> bool:
    return _at(obj, path) is True


def name(obj: Obj | None) -> str:
    return text(obj, "metadata", "name")


def namespace(obj: Obj | None) -> str:
    return text(obj, "metadata", "namespace")


def uid(obj: Obj | None) -> str:
    return text(obj, "metadata", "uid")


def label(obj: Obj | None, key: str) -> str:
    value = mapping(obj, "metadata", "labels").get(key)
    return value if isinstance(value, str) else ""


def annotation(obj: Obj | None, key: str) -> str:
    value = mapping(obj, "metadata", "annotations").get(key)
    return value if isinstance(value, str) else ""


def condition(obj: Obj | None, kind: str) -> Obj | None:
    """The first ``status.conditions`` entry of this type, as the Go helpers look it up."""
    for entry in items(obj, "status", "conditions"):
        if entry.get("type") == kind:
            return entry
    return None


def deleting(obj: Obj | None) -> bool:
    """A deletionTimestamp that is set, as ``Unstructured.GetDeletionTimestamp`` reads it:
    the zero time counts as unset."""
    value = text(obj, "metadata", "deletionTimestamp")
    return bool(value) and timestamp(value) is not None


def go_quote(value: str) -> str:
    """Go's ``%q`` (``strconv.Quote``), which kubectl and Argo CD use around names."""
    out = ['"']
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif char.isprintable():  # as Go's IsPrint: U+0020 is the only printable space
            out.append(char)
        elif char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)


def parse_int64(value: str) -> int:
    """Go's ``strconv.ParseInt(value, 10, 64)``: ASCII digits after an optional sign, no
    spaces or underscores, within int64. Raises ValueError with Go's error text."""
    digits = value[1:] if value[:1] in ("+", "-") else value
    if not digits or not all("0" <= c <= "9" for c in digits):
        raise ValueError(f"strconv.ParseInt: parsing {go_quote(value)}: invalid syntax")
    number_ = int(value)
    if not -_INT64 <= number_ < _INT64:
        raise ValueError(f"strconv.ParseInt: parsing {go_quote(value)}: value out of range")
    return number_


def revision(obj: Obj | None) -> int:
    """``deployment.kubernetes.io/revision`` as deploymentutil.Revision parses it
    (``strconv.ParseInt``); missing or malformed reads as 0."""
    try:
        return parse_int64(annotation(obj, REVISION_ANNOTATION))
    except ValueError:
        return 0


def controller_ref(obj: Obj | None) -> Obj | None:
    for ref in items(obj, "metadata", "ownerReferences"):
        if ref.get("controller") is True:
            return ref
    return None


def controlled_by(child: Obj, owner: Obj) -> bool:
    """``metav1.IsControlledBy``: the child's controller ownerReference points at ``owner``.

    Objects from the API always carry a uid; the name fallback only serves objects that lack
    one (a hand-built object, or an owner read from an older cache entry).
    """
    ref = controller_ref(child)
    if ref is None:
        return False
    owner_uid = uid(owner)
    if owner_uid:
        return ref.get("uid") == owner_uid
    return bool(name(owner)) and ref.get("name") == name(owner)


def timestamp(value: object) -> datetime | None:
    """An RFC 3339 API timestamp as an aware datetime, or None when unset, Go's zero time
    (which Go code treats as unset) or unparsable."""
    if not isinstance(value, str) or not value or value == ZERO_TIME:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def aware(now: datetime) -> datetime:
    """Callers may pass a naive UTC ``now``; compare it with API times as UTC."""
    return now if now.tzinfo else now.replace(tzinfo=UTC)


def container_images(template: Obj, *, init: bool = False) -> tuple[str, ...]:
    """Images of a pod spec's containers (``init=True`` prepends the init containers)."""
    spec = mapping(template, "spec")
    keys = ("initContainers", "containers") if init else ("containers",)
    return tuple(text(c, "image") for key in keys for c in items(spec, key) if text(c, "image"))
