"""An EventStore in memory: for unit tests, plugin authors, and as the stores' yardstick.

It answers every query with mozdef.query.reference, so on the same documents the other
stores must give the same hits in the same order. Documents are dated into indices by
their `utctimestamp`, with the names and search targets of mozdef.store.naming.

Decisions shared with the other stores:
- A search's `start` and `end` keep documents whose utctimestamp lies in `[start, end)`.
- Sorting: each field's value is the smallest of a document's values ascending, the
  largest descending; dates sort as times, numbers before strings; a document without
  the field comes last in either order; ties go by id, ascending.
- `replace=True` removes every stored document with the same id, whichever index holds
  it, then stores the new one; without it a second document with an id is a duplicate.
- Archives are JSON lines (`{"id": ..., "source": ...}`) named `<index>.jsonl`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from mozdef.errors import ArchiveError, MozDefError, StorageError
from mozdef.events.schema import Event
from mozdef.query.datemath import as_utc, parse_instant
from mozdef.query.reference import matches
from mozdef.store import naming
from mozdef.store.aggregate import aggregate
from mozdef.store.base import (
    Hit,
    IndexedDoc,
    IndexFailure,
    IndexInfo,
    SearchRequest,
    SearchResult,
)
from mozdef.store.ordering import ordered as sort_docs

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class _Stored:
    id: str
    index: str
    source: Event


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class MemoryStore:
    """Keeps committed documents in dictionaries; `clock` gives `now` for date math."""

    def __init__(self, *, clock: Clock = _utc_now) -> None:
        self._clock = clock
        self._indices: dict[str, list[_Stored]] = {}
        self._pending: list[tuple[_Stored, bool]] = []

    def index(self, docs: Sequence[IndexedDoc], *, replace: bool = False) -> list[IndexFailure]:
        failures: list[IndexFailure] = []
        for position, doc in enumerate(docs):
            try:
                name = _index_for(doc)
            except MozDefError as error:
                failures.append(IndexFailure(position, doc.id, str(error)))
                continue
            self._pending.append((_Stored(doc.id, name, doc.source), replace))
        return failures

    def commit(self) -> None:
        for stored, replace in self._pending:
            if replace:
                self._remove_id(stored.id)
            self._indices.setdefault(stored.index, []).append(stored)
        self._pending.clear()

    def search(self, request: SearchRequest) -> SearchResult:
        found = self._matching(request)
        ordered = sort_docs(found, request.sort)
        page = ordered[request.offset : request.offset + request.size]
        aggregations = (
            aggregate(request.aggs, [doc.source for doc in found]) if request.aggs else {}
        )
        hits = [Hit(doc.id, doc.index, doc.source) for doc in page]
        return SearchResult(total=len(found), hits=hits, aggregations=aggregations)

    def count(self, request: SearchRequest) -> int:
        return len(self._matching(request))

    def indices(self) -> list[IndexInfo]:
        return [_info(name, docs) for name, docs in sorted(self._indices.items())]

    def drop(self, name: str) -> None:
        if self._indices.pop(name, None) is None:
            raise StorageError(f"no index named {name!r} to drop")

    def archive(self, name: str, folder: Path) -> Path:
        if name not in self._indices:
            raise ArchiveError(f"no index named {name!r} to archive")
        path = folder / f"{name}.jsonl"
        lines = (orjson.dumps({"id": doc.id, "source": doc.source}) for doc in self._indices[name])
        path.write_bytes(b"".join(line + b"\n" for line in lines))
        return path

    def restore(self, archive: Path) -> str:
        name = archive.name.removesuffix(".jsonl")
        if naming.parse(name) is None or not archive.is_file():
            raise ArchiveError(f"{archive} is not an index archive of this store")
        if name in self._indices:
            raise ArchiveError(f"index {name!r} already exists; drop it before restoring")
        self._indices[name] = list(_read_archive(archive, name))
        return name

    def close(self) -> None:
        self._pending.clear()

    def _matching(self, request: SearchRequest) -> list[_Stored]:
        now = as_utc(self._clock())
        names = naming.resolve(
            request.index, self._indices, today=now.date(), start=request.start, end=request.end
        )
        return [
            doc
            for name in names
            for doc in self._indices[name]
            if _in_window(doc.source, request.start, request.end)
            and matches(request.query, doc.source, now=now)
        ]

    def _remove_id(self, doc_id: str) -> None:
        for name, docs in self._indices.items():
            self._indices[name] = [doc for doc in docs if doc.id != doc_id]


def _index_for(doc: IndexedDoc) -> str:
    stamp = doc.source.get("utctimestamp")
    instant = parse_instant(stamp) if isinstance(stamp, str) else None
    if instant is None:
        raise StorageError(f"utctimestamp {stamp!r} is not an ISO 8601 time")
    return naming.index_name(doc.index, instant)


def _in_window(source: Event, start: dt.datetime | None, end: dt.datetime | None) -> bool:
    if start is None and end is None:
        return True
    stamp = source.get("utctimestamp")
    instant = parse_instant(stamp) if isinstance(stamp, str) else None
    if instant is None:
        return False
    return (start is None or instant >= start) and (end is None or instant < end)


def _info(name: str, docs: list[_Stored]) -> IndexInfo:
    parsed = naming.parse(name)
    day = parsed.first if parsed is not None and parsed.first == parsed.last else None
    size = sum(len(orjson.dumps(doc.source)) for doc in docs)
    return IndexInfo(name=name, docs=len(docs), bytes=size, day=day)


def _read_archive(archive: Path, name: str) -> Iterable[_Stored]:
    for number, line in enumerate(archive.read_bytes().splitlines(), start=1):
        try:
            record = orjson.loads(line)
            yield _Stored(str(record["id"]), name, record["source"])
        except (orjson.JSONDecodeError, KeyError, TypeError) as error:
            raise ArchiveError(f"{archive} line {number} is not an archived document") from error
