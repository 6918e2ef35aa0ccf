"""The fields of incidents and investigations, each with the codec that checks it.

A codec turns what a client sends into the value kept (`parse`, raising
InvalidValue), a kept value into JSON (`dump`), and a value into its database
column and back. A list field's codec keeps, for each item sent with the id of an
item already there, that item's id, author and time, so that editing a list
(PATCH) changes content without rewriting who added what.

The field sets follow MozDef's incident: summary, description, phase (its five
phase names), status, creator, assignee, the dates opened / reported / verified /
mitigated / contained / closed, VERIS tags, theories, timeline, mitigations,
lessons learned, notes and references; to which this adds ATT&CK techniques,
typed indicators and links to alerts and events. `creator` and the links between
an investigation and the incident it became are set by the store, never sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import RowMapping

from mozdef.incidents import checks
from mozdef.incidents.checks import InvalidValue
from mozdef.incidents.items import (
    AlertLink,
    AttackTag,
    Entry,
    EventLink,
    Indicator,
    Item,
    Origin,
    TimelineEntry,
    VerisTag,
)

PHASES = ("identification", "containment", "eradication", "recovery", "lessons learned")
STATUSES = ("open", "closed")
MAX_SUMMARY = 1024
MAX_DESCRIPTION = 100_000
MAX_ITEMS = 10_000


@dataclass(frozen=True)
class Stamp:
    """Who makes a change and when."""

    by: str
    at: dt.datetime


class Codec:
    """A scalar kept as it is in its column."""

    default: Any = None

    def __init__(self, check: Callable[[Any], Any], *, default: Any = None) -> None:
        self._check = check
        self.default = default

    def parse(self, raw: Any, current: Any, stamp: Stamp) -> Any:
        return self._check(raw)

    def dump(self, value: Any) -> Any:
        return checks.format_moment(value) if isinstance(value, dt.datetime) else value

    def to_column(self, value: Any) -> Any:
        return value

    def from_column(self, stored: Any) -> Any:
        return stored


class ListCodec(Codec):
    """A list of items of one type, kept as JSON text."""

    def __init__(self, item: type[Item]) -> None:
        super().__init__(lambda raw: raw, default=())
        self.item = item

    def parse(self, raw: Any, current: Any, stamp: Stamp) -> tuple[Item, ...]:
        if not isinstance(raw, list):
            raise InvalidValue(f"expected a list, found {type(raw).__name__}")
        if len(raw) > MAX_ITEMS:
            raise InvalidValue(f"at most {MAX_ITEMS} items, found {len(raw)}")
        known: dict[str, Item] = {item.id: item for item in current}
        parsed: dict[str, Item] = {}
        keys: set[str] = set()
        for position, given in enumerate(raw, start=1):
            item = self._item(given, position, known.pop(_given_id(given), None), stamp)
            key = item.key()
            if key is not None and key in keys:
                continue
            parsed[item.id] = item
            if key is not None:
                keys.add(key)
        return tuple(parsed.values())

    def parse_item(self, raw: Any, stamp: Stamp) -> Item:
        return self._item(raw, None, None, stamp)

    def _item(self, raw: Any, position: int | None, before: Item | None, stamp: Stamp) -> Item:
        origin = (
            Origin(before.id, before.by, before.at)
            if before
            else Origin(checks.new_id(), stamp.by, stamp.at)
        )
        try:
            return self.item.parse(raw, origin)
        except InvalidValue as error:
            raise InvalidValue(f"item {position}: {error}" if position else str(error)) from None

    def dump(self, value: Any) -> list[dict[str, Any]]:
        return [item.to_json() for item in value]

    def to_column(self, value: Any) -> str:
        return orjson.dumps([item.to_json() for item in value]).decode()

    def from_column(self, stored: Any) -> tuple[Item, ...]:
        return tuple(self.item.load(entry) for entry in orjson.loads(stored or "[]"))


@dataclass(frozen=True)
class Field:
    name: str
    codec: Codec
    editable: bool = True
    required: bool = False

    @property
    def is_list(self) -> bool:
        return isinstance(self.codec, ListCodec)


@dataclass(frozen=True)
class FieldSet:
    kind: str
    fields: Mapping[str, Field] = field(default_factory=dict)

    def get(self, name: str) -> Field | None:
        return self.fields.get(name)

    def lists(self) -> tuple[str, ...]:
        return tuple(name for name, spec in self.fields.items() if spec.is_list)

    def editable(self) -> tuple[str, ...]:
        return tuple(name for name, spec in self.fields.items() if spec.editable)

    def dump(self, name: str, value: Any) -> Any:
        return self.fields[name].codec.dump(value)

    def columns(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The database columns of `values`."""
        return {name: self.fields[name].codec.to_column(value) for name, value in values.items()}

    def load(self, row: RowMapping) -> dict[str, Any]:
        """Every field's value from a database row."""
        return {name: spec.codec.from_column(row[name]) for name, spec in self.fields.items()}


def _text(max_length: int, *, required: bool = False) -> Codec:
    return Codec(lambda raw: checks.text(raw, max_length=max_length, required=required), default="")


def _choice(options: tuple[str, ...]) -> Codec:
    return Codec(lambda raw: checks.choice(raw, options), default=options[0])


def _moment(*, required: bool = False) -> Codec:
    return Codec(lambda raw: checks.moment(raw, required=required))


def _fields(kind: str, *specs: Field) -> FieldSet:
    return FieldSet(kind, {spec.name: spec for spec in specs})


_NAME = Codec(checks.name)
_LINK = Codec(lambda raw: raw)
_SHARED_HEAD = (
    Field("summary", _text(MAX_SUMMARY, required=True), required=True),
    Field("description", _text(MAX_DESCRIPTION)),
)
_SHARED_PEOPLE = (
    Field("status", _choice(STATUSES)),
    Field("creator", _NAME, editable=False),
    Field("assignee", _NAME),
    Field("opened", _moment(required=True)),
)
_SHARED_LINKS = (
    Field("notes", ListCodec(Entry)),
    Field("indicators", ListCodec(Indicator)),
    Field("alerts", ListCodec(AlertLink)),
    Field("events", ListCodec(EventLink)),
)

INCIDENT = _fields(
    "incident",
    *_SHARED_HEAD,
    Field("phase", _choice(PHASES)),
    *_SHARED_PEOPLE,
    Field("reported", _moment()),
    Field("verified", _moment()),
    Field("mitigated", _moment()),
    Field("contained", _moment()),
    Field("closed", _moment()),
    Field("veris", ListCodec(VerisTag)),
    Field("techniques", ListCodec(AttackTag)),
    Field("theories", ListCodec(Entry)),
    Field("timeline", ListCodec(TimelineEntry)),
    Field("mitigations", ListCodec(Entry)),
    Field("lessons", ListCodec(Entry)),
    Field("references", ListCodec(Entry)),
    *_SHARED_LINKS,
    Field("investigation", _LINK, editable=False),
)

INVESTIGATION = _fields(
    "investigation",
    *_SHARED_HEAD,
    *_SHARED_PEOPLE,
    *_SHARED_LINKS,
    Field("incident", _LINK, editable=False),
)


def _given_id(given: Any) -> str:
    if isinstance(given, Mapping):
        return str(given.get("id") or "")
    return ""
