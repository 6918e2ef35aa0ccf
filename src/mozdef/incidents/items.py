"""The items of a case's list fields: notes, timeline entries, tags, indicators, links.

Every item has an `id` (how it is removed), `by` and `at` (who added it and when).
`parse` checks what a client sent for a new or edited item; `load` reads an item
the store wrote, without checking again, so that a rule made stricter later does
not hide cases written before. An item type whose content is one field accepts a
bare string for it (`"T1110"` as well as `{"technique": "T1110"}`).

Items with a `key` (tags, indicators, links) are kept once per list: adding one
that is there already returns the one that is there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from mozdef.incidents import checks, indicators, veris
from mozdef.incidents.checks import InvalidValue

MAX_TEXT = 100_000
MAX_ID = 255
_TECHNIQUE = re.compile(r"^T\d{4}(\.\d{3})?$")
_TIMES = ("at", "time")


@dataclass(frozen=True)
class Origin:
    """Who adds an item and when, and the id it gets."""

    id: str
    by: str
    at: dt.datetime


@dataclass(frozen=True, kw_only=True)
class Item:
    id: str
    by: str
    at: dt.datetime

    # The content field a bare string fills.
    primary: ClassVar[str] = ""

    @classmethod
    def parse(cls, raw: Any, origin: Origin) -> Self:
        content = _content(raw, cls.primary)
        return cls(id=origin.id, by=origin.by, at=origin.at, **cls.check(content))

    @classmethod
    def check(cls, content: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def load(cls, stored: Mapping[str, Any]) -> Self:
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            value = stored.get(field.name)
            values[field.name] = _time(value) if field.name in _TIMES else value
        return cls(**values)

    def key(self) -> str | None:
        return None

    def to_json(self) -> dict[str, Any]:
        values = dataclasses.asdict(self)
        for name in _TIMES:
            if name in values:
                values[name] = checks.format_moment(values[name])
        return values


@dataclass(frozen=True, kw_only=True)
class Entry(Item):
    """A note, theory, mitigation, lesson learned or reference."""

    text: str
    primary: ClassVar[str] = "text"

    @classmethod
    def check(cls, content: Mapping[str, Any]) -> dict[str, Any]:
        return {"text": _field(content, "text", checks.text, max_length=MAX_TEXT, required=True)}


@dataclass(frozen=True, kw_only=True)
class TimelineEntry(Item):
    """What happened at `time`, as the handlers reconstruct it."""

    time: dt.datetime
    text: str

    @classmethod
    def check(cls, content: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "time": _field(content, "time", checks.moment, required=True),
            "text": _field(content, "text", checks.text, max_length=MAX_TEXT, required=True),
        }


@dataclass(frozen=True, kw_only=True)
class VerisTag(Item):
    path: str
    primary: ClassVar[str] = "path"

    @classmethod
    def check(cls, content: Mapping[str, Any]) -> dict[str, Any]:
        return {"path": _field(content, "path", _veris_path)}

    def key(self) -> str:
        return self.path


@dataclass(frozen=True, kw_only=True)
class AttackTag(Item):
    """An ATT&CK technique; `name` is filled in when the VERIS mapping knows it."""

    technique: str
    name: str
    primary: ClassVar[str] = "technique"

    @classmethod
    def check(cls, content: Mapping[str, Any]) -> dict[str, Any]:
        technique = _field(content, "technique", technique_id)
        known = veris.technique(technique)
        return {"technique": technique, "name": known.name if known else ""}

    def key(self) -> str:
        return self.technique


@dataclass(frozen=True, kw_only=True)
class Indicator(Item):
    type: str
    value: str
    note: str

    @classmethod
    def check(cls, content: Mapping[str, Any]) -> dict[str, Any]:
        kind = _field(content, "type", checks.choice, indicators.TYPES)
        value = _field(content, "value", _indicator_value, kind)
        note = _field(content, "note", checks.text, max_length=MAX_TEXT)
        return {"type": kind, "value": value, "note": note}

    def key(self) -> str:
        return f"{self.type}:{self.value}"


@dataclass(frozen=True, kw_only=True)
class AlertLink(Item):
    alert_id: str
    primary: ClassVar[str] = "alert_id"

    @classmethod
    def check(cls, content: Mapping[str, Any]) -> dict[str, Any]:
        return {"alert_id": _field(content, "alert_id", _identifier)}

    def key(self) -> str:
        return self.alert_id


@dataclass(frozen=True, kw_only=True)
class EventLink(Item):
    """An event, by the index that holds it and its id there."""

    index: str
    event_id: str

    @classmethod
    def check(cls, content: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "index": _field(content, "index", _identifier),
            "event_id": _field(content, "event_id", _identifier),
        }

    def key(self) -> str:
        return f"{self.index}/{self.event_id}"


def technique_id(raw: Any) -> str:
    """An ATT&CK technique id, T followed by four digits and maybe a sub-technique."""
    value = checks.text(raw, max_length=16, required=True).upper()
    if not _TECHNIQUE.match(value):
        raise InvalidValue(f"expected a technique id such as T1110 or T1110.001, found {raw!r}")
    return value


def _veris_path(raw: Any) -> str:
    value = checks.text(raw, max_length=MAX_ID, required=True)
    found = veris.canonical(value)
    if found is None or not veris.is_valid(found):
        raise InvalidValue(
            f"expected a VERIS value such as action.hacking.variety.Brute force, found {raw!r}"
        )
    return found


def _indicator_value(raw: Any, kind: str) -> str:
    return indicators.normalize(
        kind, checks.text(raw, max_length=indicators.MAX_URL, required=True)
    )


def _identifier(raw: Any) -> str:
    value = checks.text(raw, max_length=MAX_ID, required=True)
    if any(char.isspace() for char in value):
        raise InvalidValue(f"an id cannot hold spaces, found {raw!r}")
    return value


def _time(stored: Any) -> Any:
    return dt.datetime.fromisoformat(stored) if isinstance(stored, str) else stored


def _content(raw: Any, primary: str) -> Mapping[str, Any]:
    if isinstance(raw, str) and primary:
        return {primary: raw}
    if not isinstance(raw, Mapping):
        expected = f"an object or a string ({primary})" if primary else "an object"
        raise InvalidValue(f"expected {expected}, found {type(raw).__name__}")
    return raw


def _field(content: Mapping[str, Any], name: str, check: Any, *args: Any, **options: Any) -> Any:
    try:
        return check(content.get(name), *args, **options)
    except InvalidValue as error:
        raise InvalidValue(f"{name}: {error}") from None
