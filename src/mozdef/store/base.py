"""The EventStore seam: what the rest of the system asks of an event store.

Index names follow MozDef: one index per UTC day `events-YYYYMMDD`, the alias
`events` (today and yesterday), `events-previous` (yesterday), `events-*` (every
day), and `alerts-YYYYMM` for the alert engine (`alerts` for all of them).
A search names one of those, or a time range, and the store fans out over the
daily indices that the range touches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from mozdef.events.schema import Event
from mozdef.query.tree import MatchAll, Node

SortOrder = Literal["asc", "desc"]


@dataclass(frozen=True)
class SearchRequest:
    query: Node = field(default_factory=MatchAll)
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    index: str = "events-*"
    size: int = 20
    offset: int = 0
    # Field and order pairs; ties are broken by the event id so pages are stable.
    sort: tuple[tuple[str, SortOrder], ...] = (("utctimestamp", "desc"),)
    # Elasticsearch aggregation JSON: {"name": {"terms": {"field": ...}, "aggs": {...}}}.
    aggs: dict[str, Any] | None = None


@dataclass(frozen=True)
class Hit:
    id: str
    index: str
    source: Event


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: list[Hit]
    aggregations: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IndexedDoc:
    """A document to store: `index` is its family (`events`, `alerts`, or a custom
    application's name); the store picks the dated index from `utctimestamp`."""

    id: str
    source: Event
    index: str = "events"


@dataclass(frozen=True)
class IndexFailure:
    position: int
    id: str
    reason: str


@dataclass(frozen=True)
class IndexInfo:
    name: str
    docs: int
    bytes: int
    day: dt.date | None


class EventStore(Protocol):
    def index(self, docs: Sequence[IndexedDoc], *, replace: bool = False) -> list[IndexFailure]:
        """Buffer `docs` for the next commit. With `replace`, a document whose id is
        already stored replaces it instead of adding a duplicate."""
        ...

    def commit(self) -> None:
        """Make every indexed document durable and visible to searches."""
        ...

    def search(self, request: SearchRequest) -> SearchResult: ...

    def count(self, request: SearchRequest) -> int: ...

    def indices(self) -> list[IndexInfo]: ...

    def drop(self, name: str) -> None: ...

    def archive(self, name: str, folder: Path) -> Path:
        """Write index `name` to one compressed file in `folder`; the live index stays."""
        ...

    def restore(self, archive: Path) -> str:
        """Make an archived index searchable again; returns its name."""
        ...

    def close(self) -> None: ...
