"""Incidents and investigations as the store hands them out, and what an update sends.

An investigation is the lighter case, opened to look into something; promoting it
makes an incident of its content, and each then names the other (`incident`,
`investigation`). Every field has a version, `versions[name]`, that starts at 1 and
moves with each change of that field; an update names the version it was based on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from mozdef.incidents.checks import format_moment
from mozdef.incidents.fields import INCIDENT, INVESTIGATION, FieldSet
from mozdef.incidents.items import (
    AlertLink,
    AttackTag,
    Entry,
    EventLink,
    Indicator,
    Item,
    TimelineEntry,
    VerisTag,
)


@dataclass(frozen=True, kw_only=True)
class Case:
    id: str
    summary: str
    description: str
    status: str
    creator: str
    assignee: str | None
    opened: dt.datetime
    notes: tuple[Entry, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    alerts: tuple[AlertLink, ...] = ()
    events: tuple[EventLink, ...] = ()
    versions: Mapping[str, int] = field(default_factory=dict)
    updated: dt.datetime | None = None

    spec: ClassVar[FieldSet]

    def to_json(self) -> dict[str, Any]:
        """Every field as JSON, with the id, the versions and the time of the last change."""
        document: dict[str, Any] = {"id": self.id}
        for name, described in self.spec.fields.items():
            document[name] = described.codec.dump(getattr(self, name))
        document["versions"] = dict(self.versions)
        document["updated"] = format_moment(self.updated)
        return document


@dataclass(frozen=True, kw_only=True)
class Incident(Case):
    phase: str = "identification"
    reported: dt.datetime | None = None
    verified: dt.datetime | None = None
    mitigated: dt.datetime | None = None
    contained: dt.datetime | None = None
    closed: dt.datetime | None = None
    veris: tuple[VerisTag, ...] = ()
    techniques: tuple[AttackTag, ...] = ()
    theories: tuple[Entry, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()
    mitigations: tuple[Entry, ...] = ()
    lessons: tuple[Entry, ...] = ()
    references: tuple[Entry, ...] = ()
    investigation: str | None = None

    spec: ClassVar[FieldSet] = INCIDENT


@dataclass(frozen=True, kw_only=True)
class Investigation(Case):
    incident: str | None = None

    spec: ClassVar[FieldSet] = INVESTIGATION


@dataclass(frozen=True)
class FieldChange:
    """A new value for one field, and the version of that field it was based on."""

    value: Any
    version: int


@dataclass(frozen=True)
class ItemChange:
    """An item added to or removed from a list field, and the list's version after it;
    `changed` is False when the item was there already (an append of a kept key)."""

    field: str
    item: Item
    version: int
    changed: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "item": self.item.to_json(),
            "version": self.version,
            "changed": self.changed,
        }


@dataclass(frozen=True)
class CaseSummary:
    """One line of a list of cases; `veris` and `phase` are empty for investigations."""

    id: str
    summary: str
    status: str
    creator: str
    assignee: str | None
    opened: dt.datetime
    updated: dt.datetime | None
    phase: str = ""
    veris: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        moment = format_moment
        return {
            "id": self.id,
            "summary": self.summary,
            "status": self.status,
            "phase": self.phase,
            "creator": self.creator,
            "assignee": self.assignee,
            "opened": moment(self.opened),
            "updated": moment(self.updated),
            "veris": list(self.veris),
        }


@dataclass(frozen=True)
class CasePage:
    total: int
    cases: list[CaseSummary]
    limit: int
    offset: int

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
            "cases": [case.to_json() for case in self.cases],
        }


@dataclass(frozen=True)
class HistoryEntry:
    """One change: `action` is create, set, append, remove or promote; `old` and `new`
    are JSON values (the whole field for set, the item for append and remove)."""

    seq: int
    case_id: str
    at: dt.datetime
    actor: str
    field: str
    action: str
    old: Any
    new: Any
    version: int

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": format_moment(self.at),
            "actor": self.actor,
            "field": self.field,
            "action": self.action,
            "old": self.old,
            "new": self.new,
            "version": self.version,
        }
