"""MozDef's alert-side query API, on the query tree and any EventStore.

Alert code written for MozDef runs once its imports read `from mozdef.query import ...`:

    query = SearchQuery(minutes=15)
    query.add_must([TermMatch("category", "bro"), ExistsMatch("details.sourceipaddress")])
    query.add_aggregation(Aggregation("details.sourceipaddress"))
    results = query.execute(store)

Behaviour kept from MozDef, which ran these as an Elasticsearch 6 filter:
- `SearchQuery(minutes=15)` keeps events whose utctimestamp or receivedtimestamp lies
  in the last 15 minutes (both ends included), as MozDef's window did.
- In filter context, a bool with `should` clauses needs one of them to match even when
  it has `must` clauses; SearchQuery and BooleanMatch keep that meaning.
- TermMatch is a `match` query: exact on keyword fields, and on `summary` any of the
  value's words.
- `execute` answers `{'hits': [{'_id', '_index', '_score', '_source'}], 'meta':
  {'timed_out': False}}`, plus `'aggregations': {field: {'terms': [{'key', 'count'}]}}`
  when aggregations were asked for. `meta` also carries `total`, the exact number of
  matching events: MozDef code that counted the returned hits saw at most `size`.
- `request_timeout` is accepted and unused.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from mozdef.errors import QueryError, QueryValueError
from mozdef.query.lucene import parse
from mozdef.query.reference import field_kind
from mozdef.query.tree import (
    Bool,
    Cidr,
    Exists,
    MatchAll,
    MatchNone,
    Node,
    Phrase,
    Range,
    Term,
    Wildcard,
    and_,
    not_,
    or_,
)
from mozdef.query.words import words

# The store's module imports the query tree, so it is imported as a module here and
# read at call time: importing `mozdef.store.base` first must not hit a half-built name.
from mozdef.store import base as store_base

DEFAULT_INDICES = ("events", "events-previous")


class Match:
    """One part of a query; parts combine with `&`, `|` and `~` as MozDef's did."""

    def __init__(self, node: Node) -> None:
        self.node = node

    def __and__(self, other: Match) -> Match:
        return Match(and_(self.node, other.node))

    def __or__(self, other: Match) -> Match:
        return Match(or_(self.node, other.node))

    def __invert__(self) -> Match:
        return Match(not_(self.node))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Match) and other.node == self.node

    def __hash__(self) -> int:
        return hash(self.node)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.node!r})"


class TermMatch(Match):
    def __init__(self, key: str, value: object) -> None:
        text = _text(value)
        found = words(text) if field_kind(key) == "text" else []
        if len(found) > 1:
            super().__init__(or_(*(Term(key, word) for _, word in found)))
        else:
            super().__init__(Term(key, text))


class TermsMatch(Match):
    def __init__(self, key: str, values: Sequence[object]) -> None:
        terms = [Term(key, _text(value)) for value in values]
        super().__init__(or_(*terms) if terms else MatchNone())


class PhraseMatch(Match):
    def __init__(self, key: str, value: object) -> None:
        super().__init__(Phrase(key, _text(value)))


class QueryStringMatch(Match):
    def __init__(self, query_string: str) -> None:
        super().__init__(parse(query_string))


class WildcardMatch(Match):
    def __init__(self, key: str, value: str) -> None:
        super().__init__(Wildcard(key, value))


class RangeMatch(Match):
    """Both ends included, as MozDef's `gte` and `lte`; None leaves an end open."""

    def __init__(self, key: str, from_value: object, to_value: object) -> None:
        super().__init__(Range(key, _bound(from_value), _bound(to_value)))


class LessThanMatch(Match):
    def __init__(self, key: str, value: object) -> None:
        super().__init__(Range(key, None, _text(value), include_high=False))


class ExistsMatch(Match):
    def __init__(self, key: str) -> None:
        super().__init__(Exists(key))


class SubnetMatch(Match):
    def __init__(self, key: str, cidr: str) -> None:
        try:
            network = ipaddress.ip_network(cidr, strict=False)
        except ValueError as error:
            raise QueryValueError(cidr, "an IP network such as 10.0.0.0/8") from error
        super().__init__(Cidr(key, network))


class BooleanMatch(Match):
    def __init__(
        self,
        must: Sequence[Match] = (),
        must_not: Sequence[Match] = (),
        should: Sequence[Match] = (),
    ) -> None:
        super().__init__(filter_bool(must, should, must_not))


class Aggregation:
    """A terms aggregation on `field`; MozDef's keyword for the size also works."""

    def __init__(self, field: str, size: int = 20, *, aggregation_size: int | None = None):
        self.field = field
        self.size = size if aggregation_size is None else aggregation_size


class SearchQuery:
    """MozDef's query builder; the time window counts back from when it runs."""

    def __init__(
        self, *, minutes: float = 0, hours: float = 0, days: float = 0, weeks: float = 0
    ) -> None:
        self.window = timedelta(minutes=minutes, hours=hours, days=days, weeks=weeks)
        self.must: list[Match] = []
        self.must_not: list[Match] = []
        self.should: list[Match] = []
        self.aggregation: list[Aggregation] = []

    def add_must(self, match: Match | Sequence[Match]) -> None:
        self.must.extend(_listed(match))

    def add_must_not(self, match: Match | Sequence[Match]) -> None:
        self.must_not.extend(_listed(match))

    def add_should(self, match: Match | Sequence[Match]) -> None:
        self.should.extend(_listed(match))

    def add_aggregation(self, aggregation: Aggregation | Sequence[Aggregation]) -> None:
        found = [aggregation] if isinstance(aggregation, Aggregation) else list(aggregation)
        self.aggregation.extend(found)

    def node(self, *, now: datetime) -> Node:
        """The whole query as a tree, with the time window ending at `now`."""
        must = list(self.must)
        if self.window:
            must.append(_window(now - self.window, now))
        return filter_bool(must, self.should, self.must_not)

    def execute(
        self,
        store: store_base.EventStore,
        indices: Sequence[str] = DEFAULT_INDICES,
        size: int = 1000,
        request_timeout: float = 30,
        *,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Run the query on `store`, answering in MozDef's shape."""
        if not (self.must or self.must_not or self.should or self.aggregation):
            raise QueryError(
                "a SearchQuery needs a must, must_not or should match, or an aggregation"
            )
        moment = now or datetime.now(UTC)
        aggs = {a.field: {"terms": {"field": a.field, "size": a.size}} for a in self.aggregation}
        request = store_base.SearchRequest(
            query=self.node(now=moment), index=",".join(indices), size=size, aggs=aggs or None
        )
        result = store.search(request)
        answer: dict[str, Any] = {
            "hits": [
                {"_id": hit.id, "_index": hit.index, "_score": 0.0, "_source": hit.source}
                for hit in result.hits
            ],
            "meta": {"timed_out": False, "total": result.total},
        }
        if self.aggregation:
            answer["aggregations"] = _terms_lists(result.aggregations)
        return answer


def filter_bool(must: Sequence[Match], should: Sequence[Match], must_not: Sequence[Match]) -> Node:
    """A bool as Elasticsearch 6 ran it in filter context: one `should` must match."""
    required = [match.node for match in must]
    if should:
        required.append(or_(*(match.node for match in should)))
    excluded = tuple(match.node for match in must_not)
    if not required and not excluded:
        return MatchAll()
    if len(required) == 1 and not excluded:
        return required[0]
    return Bool(must=tuple(required), must_not=excluded)


def _window(start: datetime, end: datetime) -> Match:
    low, high = start.isoformat(), end.isoformat()
    return Match(or_(Range("utctimestamp", low, high), Range("receivedtimestamp", low, high)))


def _terms_lists(aggregations: dict[str, Any]) -> dict[str, Any]:
    return {
        name: {"terms": [{"count": b["doc_count"], "key": b["key"]} for b in answer["buckets"]]}
        for name, answer in aggregations.items()
    }


def _listed(match: Match | Sequence[Match]) -> list[Match]:
    return [match] if isinstance(match, Match) else list(match)


def _bound(value: object) -> str | None:
    return None if value is None else _text(value)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
