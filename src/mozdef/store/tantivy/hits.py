"""One page of hits over several daily indices, in a stable order.

Hits are ordered by the sort field, then by id, so that a page never changes
while the data does not. tantivy sorts by one fast field and leaves ties in
index order; each index therefore returns its first `offset + size` hits plus
every hit tied with the last of them, and ids decide among equal values.
Ids are read only for hits whose sort value is shared.

When the sort is on `utctimestamp` and the indices are one family's days, whose
times do not overlap, whole indices before the page are skipped by their counts.
Events without a value of the sort field come last, in either direction.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import tantivy
from tantivy import Occur, Order, Query

from mozdef.store.base import Hit, SortOrder
from mozdef.store.tantivy.schema import ID, SOURCE

MAX_WINDOW = 100_000


@dataclass
class Shard:
    """One index taking part in a search: its compiled query and its count."""

    name: str
    searcher: tantivy.Searcher
    query: Query
    schema: tantivy.Schema
    count: int = -1

    def total(self) -> int:
        if self.count < 0:
            self.count = counted(self.searcher.search(self.query, 1, count=True))
        return self.count


@dataclass
class _Candidate:
    value: Any
    shard: Shard
    address: tantivy.DocAddress
    id: str | None = field(default=None)

    def load_id(self) -> str:
        if self.id is None:
            self.id = self.shard.searcher.doc(self.address)[ID][0]
        return self.id


def page(
    shards: Sequence[Shard],
    *,
    sort_field: str,
    order: SortOrder,
    offset: int,
    size: int,
    disjoint: bool,
) -> list[Hit]:
    """Hits `offset` to `offset + size` of `shards` in (sort field, id) order."""
    if size <= 0:
        return []
    if disjoint:
        shards, offset = _skip_shards(shards, order, offset, size)
    candidates: list[_Candidate] = []
    for shard in shards:
        candidates.extend(_top_with_ties(shard, sort_field, order, offset + size))
    _load_tied_ids(candidates)
    candidates.sort(key=functools.cmp_to_key(_comparator(order)))
    return [_hit(candidate) for candidate in candidates[offset : offset + size]]


def _skip_shards(
    shards: Sequence[Shard], order: SortOrder, offset: int, size: int
) -> tuple[list[Shard], int]:
    """The shards that hold the page, newest (or oldest) first, and the offset in them."""
    ordered = sorted(shards, key=lambda shard: shard.name, reverse=order == "desc")
    kept: list[Shard] = []
    for shard in ordered:
        if not kept and offset >= shard.total():
            offset -= shard.total()
            continue
        kept.append(shard)
        if sum(s.total() for s in kept) >= offset + size:
            break
    return kept, offset


def _top_with_ties(shard: Shard, sort_field: str, order: SortOrder, limit: int) -> list[_Candidate]:
    direction = Order.Desc if order == "desc" else Order.Asc
    found = shard.searcher.search(shard.query, limit, order_by_field=sort_field, order=direction)
    if shard.count < 0:
        shard.count = counted(found)
    candidates = [_Candidate(value, shard, address) for value, address in found.hits]
    if len(candidates) < limit:
        return candidates
    last = candidates[-1].value
    tied = _equal_to(shard, sort_field, last)
    known = sum(1 for candidate in candidates if candidate.value == last)
    ties = counted(shard.searcher.search(tied, known + 1, count=True))
    if ties <= known:
        return candidates
    everything = shard.searcher.search(tied, ties)
    kept = [candidate for candidate in candidates if candidate.value != last]
    return kept + [_Candidate(last, shard, address) for _, address in everything.hits]


def counted(result: tantivy.SearchResult) -> int:
    """The hit count of a search run with `count=True`."""
    # The binding's type stubs omit `count`, which the result has.
    return int(result.count)  # type: ignore[attr-defined]


def _equal_to(shard: Shard, sort_field: str, value: Any) -> Query:
    if value is None:
        condition = (Occur.MustNot, Query.exists_query(sort_field))
    else:
        condition = (Occur.Must, Query.term_query(shard.schema, sort_field, value))
    return Query.boolean_query([(Occur.Must, shard.query), condition])


def _load_tied_ids(candidates: list[_Candidate]) -> None:
    shared = Counter(candidate.value for candidate in candidates)
    for candidate in candidates:
        if shared[candidate.value] > 1:
            candidate.load_id()


def _comparator(order: SortOrder) -> Any:
    sign = -1 if order == "desc" else 1

    def compare(left: _Candidate, right: _Candidate) -> int:
        if left.value != right.value:
            if left.value is None or right.value is None:
                return 1 if left.value is None else -1
            return sign if left.value > right.value else -sign
        a, b = left.id or "", right.id or ""
        return (a > b) - (a < b)

    return compare


def _hit(candidate: _Candidate) -> Hit:
    document = candidate.shard.searcher.doc(candidate.address)
    source = orjson.loads(document[SOURCE][0])
    return Hit(id=document[ID][0], index=candidate.shard.name, source=source)
