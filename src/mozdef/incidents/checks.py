"""Checks of single values given for a case's fields: text, names, choices, times.

Each check returns the value as it is kept (stripped, in UTC, truncated to the
millisecond) or raises InvalidValue with what was expected and what was found. The
store turns InvalidValue into a CaseError naming the case and the field; inside a
list, the reason starts with the item's position.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from typing import Any

MAX_NAME = 255


class InvalidValue(ValueError):
    """A value given for a field cannot be used; the message is the reason."""


def text(raw: Any, *, max_length: int, required: bool = False) -> str:
    if raw is None:
        if required:
            raise InvalidValue("is required")
        return ""
    if not isinstance(raw, str):
        raise InvalidValue(f"expected a string, found {_kind(raw)}")
    value = raw.strip()
    if required and not value:
        raise InvalidValue("must not be empty")
    if len(value) > max_length:
        raise InvalidValue(f"at most {max_length} characters, found {len(value)}")
    return value


def name(raw: Any) -> str | None:
    """A user name, or None for nobody (null or an empty string)."""
    value = text(raw, max_length=MAX_NAME)
    if any(char.isspace() and char != " " for char in value):
        raise InvalidValue("a name cannot hold tabs or line breaks")
    return value or None


def choice(raw: Any, options: Collection[str]) -> str:
    value = raw.strip().lower() if isinstance(raw, str) else raw
    if value not in options:
        raise InvalidValue(f"expected one of {', '.join(options)}, found {raw!r}")
    return str(value)


def moment(raw: Any, *, required: bool = False) -> dt.datetime | None:
    """A time from an ISO 8601 string or a datetime; without a zone it is UTC."""
    if raw is None or raw == "":
        if required:
            raise InvalidValue("a time is required")
        return None
    if isinstance(raw, dt.datetime):
        parsed = raw
    elif isinstance(raw, str):
        try:
            parsed = dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            raise InvalidValue(f"expected an ISO 8601 time, found {raw!r}") from None
    else:
        raise InvalidValue(f"expected an ISO 8601 time, found {_kind(raw)}")
    return to_millisecond(parsed)


def to_millisecond(value: dt.datetime) -> dt.datetime:
    """`value` in UTC, to the millisecond: what the API shows is what is kept, so a
    time sent back unchanged compares equal."""
    utc = (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


def format_moment(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def new_id() -> str:
    return uuid.uuid4().hex


def _kind(raw: Any) -> str:
    return "null" if raw is None else type(raw).__name__
