"""Sorting in Python on the stored documents, for sorts tantivy cannot do itself.

tantivy sorts by one single-valued fast field. Sorts on several fields, on a
`details.*` path or on `tags` read the matching documents and order them as the
in-memory store does (`mozdef.store.ordering`). Such a sort reads every match,
and refuses more than SOURCE_SORT_LIMIT of them.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from mozdef.errors import QueryValueError
from mozdef.store.base import Hit, SortOrder
from mozdef.store.ordering import ordered
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
    return ordered(found, sort)[offset : offset + size]


def _all_hits(shard: Shard) -> list[Hit]:
    if shard.total() == 0:
        return []
    hits = []
    for _, address in shard.searcher.search(shard.query, shard.total()).hits:
        document = shard.searcher.doc(address)
        source = orjson.loads(document[SOURCE][0])
        hits.append(Hit(id=document[ID][0], index=shard.name, source=source))
    return hits
