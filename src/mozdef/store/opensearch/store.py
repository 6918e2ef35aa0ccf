"""OpenSearchStore: the EventStore on an OpenSearch (or Elasticsearch-API) cluster.

Documents go to daily indices `<prefix>events-YYYYMMDD` (monthly `alerts-YYYYMM`,
`<family>-YYYYMMDD` for an application), made from one index template per family
(see `templates`); queries compile to the DSL over the hidden fields of `document`.
Decisions beside those of the other stores (mozdef.store.memory):

- `index` sends each batch at once, so that a refusal comes back as an IndexFailure
  of that call; `commit` refreshes the indices written since, which makes the
  documents visible (OpenSearch also refreshes by itself every second).
- Without `replace` a document gets an id from OpenSearch, so a second document with
  the same id is a duplicate, as in the other stores. With `replace` the documents
  holding the id in any index of the store are deleted first and the new one is
  stored under `_id` = its id.
- A document whose event the index's mapping refuses is stored with its event
  unmapped, and still found by every query of the store (see `bulk`).
- Search: `from + size` is limited by the indices' `max_result_window` (10,000 by
  default). A sort on a field other than the dates and `id` uses the event's own
  field, whose type is the first one seen each day: numbers in a field that also
  holds strings that day sort among them as text.
- Several stores may share a cluster with different prefixes, provided that no
  prefix followed by a family name is the prefix of another store.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mozdef.errors import ConfigError, MozDefError, StorageError
from mozdef.events.schema import DATE_FIELDS
from mozdef.logfmt import fields
from mozdef.query.datemath import as_utc, parse_instant
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
from mozdef.store.opensearch import aggs, bulk, templates
from mozdef.store.opensearch.client import Connection
from mozdef.store.opensearch.compile import Compiler, Query, hidden, time_window
from mozdef.store.opensearch.document import to_event
from mozdef.store.opensearch.lifecycle import Lifecycle, family_of

Clock = Callable[[], dt.datetime]
log = logging.getLogger(__name__)

_URL_LIMIT = 3000
_PREFIX = re.compile(r"[a-z0-9][a-z0-9_.\-]*")
# Searches see indices made by other processes within this many seconds.
NAMES_SECONDS = 1.0
# A writer checks the `events` aliases when it writes to an events index it has not
# checked them for, when the day changes, and at least this often.
ALIASES_SECONDS = 60.0
# Ids per count request (OpenSearch's terms query takes up to 65,536 by default).
_IDS_PER_COUNT = 10_000


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class OpenSearchStore:
    """Events in OpenSearch at `url`; every index name starts with `prefix`."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "",
        clock: Clock = _utc_now,
        shards: int = 1,
        replicas: int = 1,
        repository: str | None = None,
        codec: str = "default",
        event_fields: str = "all",
        timeout: float = 60.0,
    ) -> None:
        if prefix and not _PREFIX.fullmatch(prefix):
            raise ConfigError(
                "prefix", prefix, "lower-case letters, digits, _ . - (an index name start)"
            )
        self.url = url
        self.prefix = prefix
        self._clock = clock
        self._shards = shards
        self._replicas = replicas
        self._codec = codec
        self._event_fields = event_fields
        self._connection = Connection(url, timeout=timeout)
        self._client = self._connection.client
        self._lifecycle = Lifecycle(self._connection, prefix, repository=repository)
        self._families: set[str] = set()
        self._touched: set[str] = set()
        self._listed: tuple[float, list[str]] | None = None
        # The day, the events indices and the time of the last alias check.
        self._aliased: tuple[dt.date, set[str], float] | None = None

    # Writing

    def index(self, docs: Sequence[IndexedDoc], *, replace: bool = False) -> list[IndexFailure]:
        failures: list[IndexFailure] = []
        routed: list[bulk.Routed] = []
        for position, doc in enumerate(docs):
            try:
                routed.append(bulk.Routed(position, doc, self.prefix + _index_for(doc)))
            except MozDefError as error:
                failures.append(IndexFailure(position, doc.id, str(error)))

        names = {doc.index for doc in routed}
        for family in sorted({self._family(name) for name in names} - self._families):
            self._ensure_template(family)
        if replace and routed:
            replaced = sorted({doc.doc.id for doc in routed})
            self._touched |= bulk.delete_ids(self._connection, f"{self.prefix}*", replaced)
        refused = bulk.write(self._connection, routed, replace=replace)
        failures += refused
        # Only indices that took a document need a refresh: one that refused them all
        # may be closed, and its refresh would fail the commit of the whole batch.
        gone = {failure.position for failure in refused}
        self._touched.update(doc.index for doc in routed if doc.position not in gone)

        if failures:
            log.info("store.index", extra=fields(docs=len(docs), failed=len(failures)))
        return sorted(failures, key=lambda failure: failure.position)

    def commit(self) -> None:
        # A worker may index its next batch meanwhile (mozdef.pipeline.worker): this
        # refresh covers what was written before it, and leaves what comes during it
        # for the next one.
        touched = set(self._touched)
        self._touched -= touched
        self._listed = None
        try:
            if touched:
                names = ",".join(sorted(touched))
                self._call("refresh", lambda: self._client.indices.refresh(index=names))
            events = {name for name in touched if self._family(name) == naming.EVENTS}
            if events:
                self._check_aliases(events)
        except BaseException:
            self._touched |= touched
            raise

    def _check_aliases(self, written: set[str]) -> None:
        today, now = as_utc(self._clock()).date(), time.monotonic()
        checked = self._aliased
        if (
            checked is not None
            and checked[0] == today
            and written <= checked[1]
            and now - checked[2] < ALIASES_SECONDS
        ):
            return
        self._lifecycle.update_aliases(today)
        known = checked[1] if checked is not None and checked[0] == today else set()
        self._aliased = (today, known | written, now)

    # Reading

    def search(self, request: SearchRequest) -> SearchResult:
        now = as_utc(self._clock())
        names = self._resolve(request, now)
        if not names:
            return SearchResult(0, [], aggregate(request.aggs, []) if request.aggs else {})
        body: dict[str, Any] = {
            "query": self._query(request, names, now),
            "sort": _sort(request.sort),
            "from": request.offset,
            "size": request.size,
            "track_total_hits": True,
        }
        if request.aggs:
            body["aggs"] = aggs.translate(request.aggs)
        answer = self._call(
            "search",
            lambda: self._client.search(index=self._target(names), body=body),
            query=True,
        )
        hits = [self._hit(hit) for hit in answer["hits"]["hits"]]
        found = aggs.decode(request.aggs, answer.get("aggregations", {})) if request.aggs else {}
        return SearchResult(total=answer["hits"]["total"]["value"], hits=hits, aggregations=found)

    def count(self, request: SearchRequest) -> int:
        now = as_utc(self._clock())
        names = self._resolve(request, now)
        if not names:
            return 0
        body = {"query": self._query(request, names, now)}
        answer = self._call(
            "count", lambda: self._client.count(index=self._target(names), body=body), query=True
        )
        return int(answer["count"])

    # Index lifecycle

    def count_ids(self, ids: Sequence[str]) -> int:
        """How many of the documents with these ids (in any index of this store) the
        last refresh made searchable."""
        unique = sorted(set(ids))
        chunks = [unique[at : at + _IDS_PER_COUNT] for at in range(0, len(unique), _IDS_PER_COUNT)]
        return sum(self._count_chunk(chunk) for chunk in chunks)

    def _count_chunk(self, ids: list[str]) -> int:
        body = {"query": {"terms": {hidden("id"): ids}}}
        params = {"ignore_unavailable": "true", "allow_no_indices": "true"}
        answer = self._call(
            "count documents",
            lambda: self._client.count(index=f"{self.prefix}*", body=body, params=params),
        )
        return int(answer["count"])

    def indices(self) -> list[IndexInfo]:
        return self._lifecycle.indices()

    def drop(self, name: str) -> None:
        self._listed = self._aliased = None
        self._lifecycle.drop(name)

    def archive(self, name: str, folder: Path) -> Path:
        """Snapshot `name` and write its pointer file in `folder` (see `lifecycle`)."""
        return self._lifecycle.archive(name, folder)

    def restore(self, archive: Path) -> str:
        self._listed = self._aliased = None
        name = self._lifecycle.restore(archive)
        if family_of(name) == naming.EVENTS:
            self._lifecycle.update_aliases(as_utc(self._clock()).date())
        return name

    def close(self) -> None:
        self._connection.close()

    # Internals

    def _call(self, action: str, request: Callable[[], Any], *, query: bool = False) -> Any:
        return self._connection.call(action, request, query=query)

    def _ensure_template(self, family: str) -> None:
        body = templates.index_template(
            self.prefix,
            family,
            shards=self._shards,
            replicas=self._replicas,
            codec=self._codec,
            event_fields=self._event_fields,
        )
        name = templates.template_name(self.prefix, family)
        self._call(
            f"install the index template {name}",
            lambda: self._client.indices.put_index_template(name=name, body=body),
        )
        self._families.add(family)

    def _names(self) -> list[str]:
        """The store's index names, listed again when older than NAMES_SECONDS or
        after this store changed them."""
        if self._listed is None or time.monotonic() - self._listed[0] > NAMES_SECONDS:
            self._listed = (time.monotonic(), self._lifecycle.names())
        return self._listed[1]

    def _family(self, full_name: str) -> str:
        return family_of(full_name[len(self.prefix) :])

    def _resolve(self, request: SearchRequest, now: dt.datetime) -> list[str]:
        return naming.resolve(
            request.index,
            self._names(),
            today=now.date(),
            start=request.start,
            end=request.end,
        )

    def _query(self, request: SearchRequest, names: list[str], now: dt.datetime) -> Query:
        compiler = Compiler(now=now, list_strings=lambda path: self._strings(names, path))
        filters = [compiler.compile(request.query)]
        window = time_window(request.start, request.end)
        if window is not None:
            filters.append(window)
        if len(",".join(names)) > _URL_LIMIT:
            filters.append({"terms": {"_index": [self.prefix + name for name in names]}})
        return {"bool": {"filter": filters}}

    def _target(self, names: list[str]) -> str:
        """The indices to name in the URL: the names, or their families' patterns when
        too long for a URL (the query then filters on `_index`)."""
        full = ",".join(self.prefix + name for name in names)
        if len(full) <= _URL_LIMIT:
            return full
        families = sorted({family_of(name) for name in names})
        return ",".join(f"{self.prefix}{family}-*" for family in families)

    def _strings(self, names: list[str], path: str) -> list[str]:
        body = {"size": 0, "aggs": aggs.strings_request(path)}
        answer = self._call(
            "list values", lambda: self._client.search(index=self._target(names), body=body)
        )
        return aggs.strings(answer["aggregations"])

    def _hit(self, hit: dict[str, Any]) -> Hit:
        index = str(hit["_index"])[len(self.prefix) :]
        return Hit(id=str(hit["sort"][-1]), index=index, source=to_event(hit.get("_source", {})))


def _index_for(doc: IndexedDoc) -> str:
    stamp = doc.source.get("utctimestamp")
    instant = parse_instant(stamp) if isinstance(stamp, str) else None
    if instant is None:
        raise StorageError(f"utctimestamp {stamp!r} is not an ISO 8601 time")
    return naming.index_name(doc.index, instant)


def _sort(order: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    clauses: list[dict[str, Any]] = []
    for field, direction in order:
        if field in DATE_FIELDS:
            clauses.append({hidden(field): {"order": direction, "missing": "_last"}})
        else:
            name = "summary.keyword" if field == "summary" else field
            clauses.append(
                {name: {"order": direction, "missing": "_last", "unmapped_type": "keyword"}}
            )
    clauses.append({hidden("id"): {"order": "asc"}})
    return clauses
