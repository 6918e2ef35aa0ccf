"""TantivyStore: the embedded EventStore, one tantivy index per day under one folder.

One process writes (it holds the folder's lock); any number read. A reader
picks up new commits within about half a second: tantivy reloads a searcher when
an index's metadata changes, and the folder is listed again for new days at most
every RESCAN_SECONDS.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import tantivy
from tantivy import Occur, Query

from mozdef.errors import ArchiveError, QueryValueError, StorageError
from mozdef.events.schema import DATE_FIELDS, KEYWORD_FIELDS
from mozdef.logfmt import fields
from mozdef.query.datemath import parse_instant
from mozdef.query.tree import MatchAll
from mozdef.store import naming
from mozdef.store.base import (
    Hit,
    IndexedDoc,
    IndexFailure,
    IndexInfo,
    SearchRequest,
    SearchResult,
    SortOrder,
)
from mozdef.store.tantivy import aggs, aggs_merge, archive, hits
from mozdef.store.tantivy.compile import Compiler
from mozdef.store.tantivy.lock import WriterLock
from mozdef.store.tantivy.schema import SCHEMA, source_json, to_json
from mozdef.store.tantivy.sourcesort import page_by_sources
from mozdef.store.tantivy.writers import WriterPool

log = logging.getLogger(__name__)

RESCAN_SECONDS = 0.25
_TOTAL = "mozdef#total"
# Single-valued fast fields; `tags` holds lists and sorts in Python.
SORTABLE = frozenset((*DATE_FIELDS, *KEYWORD_FIELDS)) - {"tags"}


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class TantivyStore:
    """The event store in the folder `path`.

    With `writer` (the default) it takes the folder's lock, or raises
    StoreLockedError; `writer=False` opens it read-only beside a writer in another
    process. `writer_heap_bytes` bounds the memory of all open day writers
    together, `max_writers` their number; `clock` gives `now` for date math and
    for the `events` alias. One indexing thread per writer by default: on two
    cores shared with the intake, a second one made each commit two segments and
    cost more in merging than it gained.
    """

    def __init__(
        self,
        path: Path,
        *,
        writer: bool = True,
        writer_heap_bytes: int = 256_000_000,
        max_writers: int = 3,
        writer_threads: int = 1,
        idle_seconds: float = 60.0,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self._schema = SCHEMA
        # Only for numeric ranges on JSON paths, whose text the compiler builds itself.
        self._parser = tantivy.Index(self._schema)
        self._indices: dict[str, tantivy.Index] = {}
        self._index_names: dict[tuple[str, str], str] = {}
        self._scanned = float("-inf")
        # `_lock` serializes writing; `_registry` guards the map of open indices,
        # which searches read while a batch is being indexed.
        self._lock = threading.RLock()
        self._registry = threading.Lock()
        self._writer_lock: WriterLock | None = None
        self._writers: WriterPool | None = None
        self.path.mkdir(parents=True, exist_ok=True)
        if writer:
            self._writer_lock = WriterLock(self.path)
            self._writer_lock.acquire()
            self._writers = WriterPool(
                self._create_index,
                heap_bytes=writer_heap_bytes,
                max_writers=max_writers,
                threads=writer_threads,
                idle_seconds=idle_seconds,
            )
        self._rescan(force=True)

    # Writing

    def index(self, docs: Sequence[IndexedDoc], *, replace: bool = False) -> list[IndexFailure]:
        pool = self._require_writer()
        # Documents are built before taking the lock, so that building overlaps
        # with a commit that another thread runs meanwhile.
        prepared, failures = self._prepare(docs)
        with self._lock:
            if replace:
                self._delete_everywhere(pool, [doc.id for doc in docs])
            for position, doc, name, text in prepared:
                reason = self._add(pool, name, doc, text, replace)
                if reason is not None:
                    failures.append(IndexFailure(position, doc.id, reason))
        if failures:
            failures.sort(key=lambda failure: failure.position)
            log.info("store.index", extra=fields(docs=len(docs), failed=len(failures)))
        return failures

    def _prepare(
        self, docs: Sequence[IndexedDoc]
    ) -> tuple[list[tuple[int, IndexedDoc, str, str]], list[IndexFailure]]:
        """Each document's dated index and JSON text, and the documents refused."""
        prepared = []
        failures = []
        for position, doc in enumerate(docs):
            stamp = doc.source.get("utctimestamp")
            try:
                name = self._index_for(doc.index, stamp)
                if name is None:
                    reason = f"utctimestamp {stamp!r} is not an ISO 8601 time"
                    failures.append(IndexFailure(position, doc.id, reason))
                    continue
                text = to_json(doc, source_json(doc.source))
            except (QueryValueError, TypeError, ValueError) as error:
                failures.append(IndexFailure(position, doc.id, f"cannot index: {error}"))
                continue
            prepared.append((position, doc, name, text))
        return prepared, failures

    def _add(
        self, pool: WriterPool, name: str, doc: IndexedDoc, text: str, replace: bool
    ) -> str | None:
        writer = pool.writer(name)
        try:
            if replace:
                writer.delete_documents_by_term("id", doc.id)
            writer.add_json(text)
        except ValueError as error:
            return f"tantivy refused the document: {error}"
        return None

    def _index_for(self, family: str, stamp: object) -> str | None:
        """The dated index of a document of `family` at `stamp`; the pipeline's UTC
        times (`...+00:00`) are looked up by their day without being parsed."""
        if not isinstance(stamp, str):
            return None
        utc_day = stamp.endswith("+00:00") and len(stamp) >= 10
        key = (family, stamp[:10]) if utc_day else None
        name = self._index_names.get(key) if key is not None else None
        if name is None:
            instant = parse_instant(stamp)
            if instant is None:
                return None
            name = naming.index_name(family, instant)
            if key is not None and len(self._index_names) < 10_000:
                self._index_names[key] = name
        return name

    def _delete_everywhere(self, pool: WriterPool, ids: list[str]) -> None:
        """Queue the deletion of `ids` in every index that may hold one of them."""
        doomed = Query.term_set_query(self._schema, "id", ids)
        open_names = set(pool.open_names())
        for name, index in self._open_indices().items():
            searcher = index.searcher()
            if name in open_names or hits.counted(searcher.search(doomed, 1, count=True)):
                pool.writer(name).delete_documents_by_query(doomed)

    def commit(self) -> None:
        pool = self._require_writer()
        with self._lock:
            for index in pool.commit():
                index.reload()

    def refresh(self) -> None:
        """See every commit made so far, by any process, without waiting for the
        periodic reload (used after the worker acknowledged events)."""
        with self._lock:
            self._rescan(force=True)
            for index in self._indices.values():
                index.reload()

    # Reading

    def search(self, request: SearchRequest) -> SearchResult:
        shards = self._shards(request)
        found = self._page(request, shards)
        aggregations = self._aggregate(request, shards)
        total = sum(shard.total() for shard in shards)
        return SearchResult(total=total, hits=found, aggregations=aggregations)

    def count(self, request: SearchRequest) -> int:
        return sum(shard.total() for shard in self._shards(request))

    def _shards(self, request: SearchRequest) -> list[hits.Shard]:
        now = self._clock()
        indices = self._open_indices()
        names = naming.resolve(
            request.index, indices, today=now.date(), start=request.start, end=request.end
        )
        shards = []
        for name in names:
            searcher = indices[name].searcher()
            compiler = Compiler(self._schema, searcher, self._parser, now=now)
            query = compiler.compile(request.query)
            window = compiler.time_range(request.start, request.end)
            if window is not None:
                query = Query.boolean_query([(Occur.Must, query), (Occur.Must, window)])
            shard = hits.Shard(name, searcher, query, self._schema)
            if isinstance(request.query, MatchAll) and window is None:
                shard.count = searcher.num_docs  # every live document matches
            shards.append(shard)
        return shards

    def _page(self, request: SearchRequest, shards: list[hits.Shard]) -> list[Hit]:
        if (
            request.offset < 0
            or request.size < 0
            or request.offset + request.size > hits.MAX_WINDOW
        ):
            expected = f"offset and size of at least 0 with offset + size <= {hits.MAX_WINDOW}"
            raise QueryValueError(f"{request.offset}+{request.size}", expected)
        native = _native_sort(request.sort)
        if native is None:
            return page_by_sources(shards, request.sort, offset=request.offset, size=request.size)
        sort_field, order = native
        families = {shard.name.rsplit("-", 1)[0] for shard in shards}
        return hits.page(
            shards,
            sort_field=sort_field,
            order=order,
            offset=request.offset,
            size=request.size,
            disjoint=sort_field == "utctimestamp" and len(families) <= 1,
        )

    def _aggregate(self, request: SearchRequest, shards: list[hits.Shard]) -> dict[str, object]:
        if not request.aggs:
            return {}
        parsed = aggs.parse(request.aggs)
        asked = aggs.to_tantivy(parsed)
        # A count in the same pass costs less than a search of its own.
        counting = {**asked, _TOTAL: {"value_count": {"field": "id"}}}
        answers = []
        for shard in shards:
            try:
                answer = shard.searcher.aggregate(
                    shard.query, counting if shard.count < 0 else asked
                )
            except ValueError as error:
                expected = f"an aggregation tantivy runs ({error})"
                raise QueryValueError(str(request.aggs), expected) from None
            if _TOTAL in answer:
                shard.count = int(answer.pop(_TOTAL)["value"] or 0)
            answers.append(answer)
        return aggs_merge.merge(parsed, answers)

    # Indices

    def indices(self) -> list[IndexInfo]:
        infos = []
        for name, index in sorted(self._open_indices().items()):
            parsed = naming.parse(name)
            folder = self.path / name
            size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
            docs = index.searcher().num_docs
            daily = parsed is not None and parsed.first == parsed.last
            infos.append(IndexInfo(name, docs, size, parsed.first if parsed and daily else None))
        return infos

    def drop(self, name: str) -> None:
        pool = self._require_writer()
        if name not in self._open_indices():
            raise StorageError(f"no index named {name!r} to drop in the store at {self.path}")
        with self._lock:
            pool.discard(name)
            with self._registry:
                self._indices.pop(name, None)
            shutil.rmtree(self.path / name, ignore_errors=True)
        log.info("store.drop", extra=fields(index=name))

    def archive(self, name: str, folder: Path) -> Path:
        with self._lock:
            index = self._open_indices().get(name)
            if index is None:
                raise ArchiveError(f"no index named {name!r} to archive in {self.path}")
            docs = index.searcher().num_docs
            return archive.write_archive(self.path / name, name, Path(folder), docs=docs)

    def restore(self, path: Path, *, replace: bool = False) -> str:
        pool = self._require_writer()
        with self._lock:
            name = archive.restore_archive(
                Path(path), self.path, replace=replace, before_swap=pool.discard
            )
            with self._registry:
                self._indices.pop(name, None)
            self._rescan(force=True)
        return name

    def close(self) -> None:
        with self._lock:
            if self._writers is not None:
                self._writers.close_all()
                self._writers = None
            if self._writer_lock is not None:
                self._writer_lock.release()
                self._writer_lock = None

    # Internals

    def _open_indices(self) -> dict[str, tantivy.Index]:
        """The indices of the store, by name: a copy, safe to use while others write."""
        self._rescan()
        with self._registry:
            return dict(self._indices)

    def _rescan(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._scanned < RESCAN_SECONDS:
            return
        present = {
            entry.name
            for entry in self.path.iterdir()
            if entry.is_dir() and naming.parse(entry.name) and tantivy.Index.exists(str(entry))
        }
        with self._registry:
            for gone in set(self._indices) - present:
                if not (self.path / gone).exists():
                    del self._indices[gone]
            for name in present - set(self._indices):
                opened = _open_existing(self.path / name)
                if opened is not None:
                    self._indices[name] = opened
            self._scanned = now

    def _create_index(self, name: str) -> tantivy.Index:
        folder = self.path / name
        folder.mkdir(exist_ok=True)
        try:
            index = tantivy.Index(self._schema, path=str(folder), reuse=True)
        except ValueError as error:
            message = f"cannot open index {name} at {folder} for writing: {error}"
            raise StorageError(message) from None
        with self._registry:
            self._indices[name] = index
        return index

    def _require_writer(self) -> WriterPool:
        if self._writers is None:
            raise StorageError(f"the event store at {self.path} is open read-only")
        return self._writers


def _open_existing(folder: Path) -> tantivy.Index | None:
    try:
        return tantivy.Index.open(str(folder))
    except ValueError as error:
        # A day being created by the writer in another process; the next scan sees it.
        log.debug("store.open_skipped", extra=fields(folder=str(folder), error=str(error)))
        return None


def _native_sort(sort: Sequence[tuple[str, SortOrder]]) -> tuple[str, SortOrder] | None:
    """The one fast field and order tantivy sorts by for `sort`, or None if it cannot."""
    if not sort:
        return "id", "asc"
    field, order = sort[0]
    if any(direction not in ("asc", "desc") for _, direction in sort):
        raise QueryValueError(repr(sort), "sort orders of asc or desc")
    rest_is_id = all(pair == ("id", "asc") for pair in sort[1:])
    return (field, order) if field in SORTABLE and rest_is_id else None
