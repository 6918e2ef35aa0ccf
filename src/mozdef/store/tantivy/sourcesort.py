"""Sorting in Python on the stored documents, for sorts tantivy cannot do itself.

tantivy sorts by one single-valued fast field. Sorts on several fields, on a
`details.*` path or on `tags` read the matching documents and order them as the
in-memory store does: a field's value is the smallest of a document's values
ascending and the largest descending; dates compare as times, numbers before
strings; a document without the field comes last; ties by id. Such a sort reads
every match, and refuses more than SOURCE_SORT_LIMIT of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from mozdef.errors import QueryValueError
from mozdef.query.datemath import parse_instant
from mozdef.query.reference import field_kind, values_at
from mozdef.store.base import Hit, SortOrder
from mozdef.store.tantivy.hits import Shard
from mozdef.store.tantivy.schema import ID, SOURCE

SOURCE_SORT_LIMIT = 10_000


def page_by_sources(
    shards: Sequence[Shard], sort: Sequence[tuple[str, SortOrder]], *, offset: int, size: int
) -> list[Hit]:
    total = sum(shard.total() for shard in shards)
    if total > SOURCE_SORT_LIMIT:
        expected = (
            f"at most {SOURCE_SORT_LIMIT} matches for a sort on {sort!r}; "
            "narrow the query or sort on one date or keyword field"
        )
        raise QueryValueError(repr(sort), expected)
    found = [hit for shard in shards for hit in _all_hits(shard)]
    return _ordered(found, sort)[offset : offset + size]


def _all_hits(shard: Shard) -> list[Hit]:
    if shard.total() == 0:
        return []
    hits = []
    for _, address in shard.searcher.search(shard.query, shard.total()).hits:
        document = shard.searcher.doc(address)
        source = orjson.loads(document[SOURCE][0])
        hits.append(Hit(id=document[ID][0], index=shard.name, source=source))
    return hits


def _ordered(hits: list[Hit], sort: Sequence[tuple[str, SortOrder]]) -> list[Hit]:
    # Stable sorts from the last key to the first give the combined order.
    ordered = sorted(hits, key=lambda hit: hit.id)
    for field, order in reversed(list(sort)):
        keyed = [(hit, _sort_values(hit.source, field)) for hit in ordered]
        present = [(hit, values) for hit, values in keyed if values]
        missing = [hit for hit, values in keyed if not values]
        pick = max if order == "desc" else min
        present.sort(key=lambda pair: pick(pair[1]), reverse=order == "desc")
        ordered = [hit for hit, _ in present] + missing
    return ordered


def _sort_values(source: dict[str, Any], field: str) -> list[tuple[int, Any]]:
    if field_kind(field) == "date":
        instants = [parse_instant(v) for v in values_at(source, field) if isinstance(v, str)]
        return [(0, instant) for instant in instants if instant is not None]
    return [_sortable(value) for value in values_at(source, field)]


def _sortable(value: Any) -> tuple[int, Any]:
    if isinstance(value, int | float):
        return (0, float(value))
    return (1, str(value))
