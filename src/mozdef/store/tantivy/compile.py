"""The query tree compiled to tantivy Query objects, one daily index at a time.

A user's text never reaches tantivy's query parser, which reads some Lucene
queries differently. Semantics follow mozdef.query.tree and the reference
evaluator (mozdef.query.reference); per kind of field (layout in `schema`):

- `summary`: a Term or Phrase is split into words as the index is
  (mozdef.query.words) and matches those words at the same relative positions;
  a value without words matches nothing. Wildcard, Regex, Range and Cidr apply
  to the whole summary.
- keywords (`hostname`, `category`, ...): exact, case-sensitive strings. A number,
  boolean or object sent in a keyword field is indexed under `_extra.<field>`,
  and every query on the field also asks there, so `processid:1234.0` finds the
  number 1234 and `processid:*` finds it too.
- `details.x` and any field outside the schema (`foo.bar`, in `_extra`): a Term
  matches the string, and a numeric-looking value the number (`22` matches 22
  and 22.0, `22.0` matches 22 but not "22"); `true`/`false` match booleans.
- date fields: values are times (ISO 8601, epoch ms or date math); a Term is one
  instant. Wildcard, Regex and Cidr never match a date.
- no field: a Term is an exact value of any field but the dates (the id and
  keyword fields, `_all`, `_all_numbers`) or a phrase of the summary; a Wildcard
  or Regex any whole string (the same fields and `_summary`).

Decisions where the tree's documentation leaves room (the reference agrees):
- A Bool with no clause at all matches nothing, as in Lucene.
- A bare `details` names no value unless details was sent as a scalar: a Term on
  it matches that scalar; Exists matches events with any detail.
- Range: with numeric bounds, numbers only (the string "22" is not in [20 TO 30]);
  otherwise strings in code point order. Dates round as Elasticsearch does (`gte`
  and `lt` down, `gt` and `lte` up), a bound rounded up covering all of its last
  millisecond.
- `field:*` is Exists; `*` without a field is MatchAll.
- Cidr: IPv4 through a regex over the dotted text; IPv6 by listing the field's
  distinct values. A value that is not an address never matches.

Known limits: string ranges and IPv6 networks list the field's distinct values
and refuse a field with more than `ranges.EXPANSION_LIMIT` of them. See `ranges`
for numeric ranges over arrays of numbers.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import tantivy
from tantivy import Occur, Query

from mozdef.errors import QueryValueError
from mozdef.events.schema import DATE_FIELDS, DETAILS_FIELD
from mozdef.query import tree
from mozdef.query.datemath import resolve_time
from mozdef.query.words import words
from mozdef.store.tantivy import patterns, ranges
from mozdef.store.tantivy.ranges import number
from mozdef.store.tantivy.schema import (
    ALL,
    ALL_NUMBERS,
    EXTRA,
    ID,
    KEYWORDS,
    SCHEMA,
    SUMMARY,
    SUMMARY_RAW,
    micros,
    number_text,
)

Kind = Literal["text", "keyword", "date", "json", "any"]
# Where an unfielded value is looked for, besides the summary: each string of the
# id and keyword fields is indexed there only (see `schema`).
UNFIELDED = (ALL, ID, *KEYWORDS)
_FIELDED = (tree.Term, tree.Phrase, tree.Wildcard, tree.Regex, tree.Range, tree.Exists, tree.Cidr)
Fielded = (
    tree.Term | tree.Phrase | tree.Wildcard | tree.Regex | tree.Range | tree.Exists | tree.Cidr
)


@dataclass(frozen=True)
class Target:
    """Where a query field lives: `name` is the tantivy field or JSON path;
    `shadow` holds what the typed field could not (see the module notes)."""

    kind: Kind
    name: str
    json_field: str = ""
    path: tuple[str, ...] = ()
    shadow: Target | None = None


def target(field: str | None) -> Target:
    if field is None:
        return Target("any", ALL)
    shadow = Target("json", f"{EXTRA}.{field}", EXTRA, tuple(field.split(".")))
    if field == SUMMARY:
        return Target("text", SUMMARY, shadow=shadow)
    if field in DATE_FIELDS:
        return Target("date", field, shadow=shadow)
    if field == ID or field in KEYWORDS:
        return Target("keyword", field, shadow=shadow)
    if field == DETAILS_FIELD:
        return Target("json", field, DETAILS_FIELD, shadow=shadow)
    if field.startswith(DETAILS_FIELD + "."):
        return Target("json", field, DETAILS_FIELD, tuple(field.split(".")[1:]))
    return shadow


class Compiler:
    """Compiles trees for one index; `searcher` serves the value listings."""

    def __init__(
        self,
        schema: tantivy.Schema,
        searcher: tantivy.Searcher,
        parser: tantivy.Index,
        *,
        now: dt.datetime,
    ) -> None:
        self._schema = schema
        self._searcher = searcher
        self._ranges = ranges.RangeCompiler(schema, searcher, parser, now=now)
        self._now = now
        self._present: dict[str, bool] = {}

    def compile(self, node: tree.Node) -> Query:
        if isinstance(node, tree.MatchAll):
            return Query.all_query()
        if isinstance(node, tree.MatchNone):
            return Query.empty_query()
        if isinstance(node, tree.Bool):
            return self._bool(node)
        if isinstance(node, _FIELDED):
            return self._fielded(node, target(node.field))
        raise QueryValueError(repr(node), "a node of mozdef.query.tree")

    def time_range(self, start: dt.datetime | None, end: dt.datetime | None) -> Query | None:
        """`start <= utctimestamp < end`, or None when both are open."""
        if start is None and end is None:
            return None
        low = None if start is None else micros(start)
        high = None if end is None else micros(end)
        # tantivy refuses an open bound that is not inclusive.
        return ranges.int_range(self._schema, "utctimestamp", low, high, True, high is None)

    def _fielded(self, node: Fielded, where: Target) -> Query:
        main = self._on(node, where)
        # Dates and summaries keep only their own kind of value; any query on
        # another field (and Exists on any) also looks at what the field could not hold.
        shadow = where.shadow
        if shadow is None or (where.kind in ("date", "text") and not isinstance(node, tree.Exists)):
            return main
        if not self._holds(shadow.name):
            return main
        return _any([main, self._on(node, shadow)])

    def _holds(self, path: str) -> bool:
        """Whether any document of this index has a value at the JSON `path`."""
        if path not in self._present:
            probe = Query.exists_query(path, True)
            self._present[path] = bool(self._searcher.search(probe, 1, count=False).hits)
        return self._present[path]

    def _on(self, node: Fielded, where: Target) -> Query:
        if where.kind == "json" and not where.path and not isinstance(node, tree.Exists):
            return Query.empty_query()
        if isinstance(node, tree.Term | tree.Phrase):
            return self._term(where, node.value if isinstance(node, tree.Term) else node.text)
        if isinstance(node, tree.Wildcard):
            return self._wildcard(where, node.pattern)
        if isinstance(node, tree.Regex):
            return self._regex(where, patterns.lucene_to_regex(node.pattern))
        if isinstance(node, tree.Range):
            return self._ranges.compile(node, where.kind, where.name, where.path)
        if isinstance(node, tree.Exists):
            return self._exists(where)
        return self._cidr(where, node.network)

    # Terms and phrases

    def _term(self, where: Target, value: str) -> Query:
        if where.kind == "text":
            return self._words(value)
        if where.kind == "keyword":
            return Query.term_query(self._schema, where.name, value)
        if where.kind == "date":
            instant = micros(resolve_time(value, now=self._now))
            return Query.term_query(self._schema, where.name, instant)
        if where.kind == "json":
            return self._json_term(where, value)
        return _any([*self._all_terms(value), self._words(value)])

    def _words(self, text: str) -> Query:
        found = words(text)
        if not found:
            return Query.empty_query()
        if len(found) == 1:
            return Query.term_query(self._schema, SUMMARY, found[0][1])
        first = found[0][0]
        return Query.phrase_query(self._schema, SUMMARY, [(p - first, w) for p, w in found])

    def _all_terms(self, value: str) -> list[Query]:
        queries = [Query.term_query(self._schema, field, value) for field in UNFIELDED]
        parsed = number(value)
        if parsed is not None:
            queries.append(Query.term_query(self._schema, ALL_NUMBERS, number_text(parsed)))
        if value in ("true", "false"):
            queries.append(Query.term_query(self._schema, ALL_NUMBERS, value))
        return queries

    def _json_term(self, where: Target, value: str) -> Query:
        queries = [Query.term_query(self._schema, where.name, value)]
        parsed = number(value)
        if parsed is not None and -(2**63) <= parsed < 2**64:
            queries.append(Query.term_query(self._schema, where.name, parsed))
        if value in ("true", "false"):
            queries.append(Query.term_query(self._schema, where.name, value == "true"))
        return _any(queries)

    # Patterns

    def _wildcard(self, where: Target, pattern: str) -> Query:
        if pattern == "*":
            return self._exists(where)
        return self._regex(where, patterns.wildcard_to_regex(pattern))

    def _regex(self, where: Target, body: str) -> Query:
        if where.kind == "date":
            return Query.empty_query()
        if where.kind == "any":
            return _any([self._regex_on(field, body) for field in (*UNFIELDED, SUMMARY_RAW)])
        if where.kind == "json":
            encoded = "\x01".join(re.escape(part) for part in where.path)
            # tantivy encodes a JSON term as its path (segments joined by \x01), \x00,
            # a type byte (`s` for strings) and the value; a regex on the JSON field
            # itself matches that encoding, as regex_query refuses JSON paths.
            return self._regex_on(where.json_field, f"{encoded}\x00s(?:{body})")
        return self._regex_on(SUMMARY_RAW if where.kind == "text" else where.name, body)

    def _regex_on(self, field: str, body: str) -> Query:
        return _regex_query(field, body)

    # Existence, networks, booleans

    def _exists(self, where: Target) -> Query:
        if where.kind == "any":
            return Query.all_query()
        if where.kind == "text":
            return Query.exists_query(SUMMARY_RAW)
        return Query.exists_query(where.name, where.kind == "json")

    def _cidr(self, where: Target, network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> Query:
        if where.kind == "date":
            return Query.empty_query()
        if isinstance(network, ipaddress.IPv4Network):
            return self._regex(where, patterns.ipv4_network_regex(network))
        field = SUMMARY_RAW if where.kind == "text" else where.name
        return self._ranges.listed(field, lambda value: _in_network(value, network))

    def _bool(self, node: tree.Bool) -> Query:
        if not (node.must or node.should or node.must_not):
            return Query.empty_query()
        clauses = [(Occur.Must, self.compile(child)) for child in node.must]
        clauses += [(Occur.Should, self.compile(child)) for child in node.should]
        clauses += [(Occur.MustNot, self.compile(child)) for child in node.must_not]
        if not node.must and not node.should:
            clauses.append((Occur.Must, Query.all_query()))
        return Query.boolean_query(clauses)


# Building a regex automaton takes a millisecond or more; dashboards repeat their
# queries, and every index of a store has the same schema.
@functools.lru_cache(maxsize=1024)
def _regex_query(field: str, body: str) -> Query:
    try:
        return Query.regex_query(SCHEMA, field, f"(?s){body}")
    except ValueError as error:
        raise QueryValueError(body, f"a regular expression tantivy accepts ({error})") from None


def _any(queries: Sequence[Query]) -> Query:
    if len(queries) == 1:
        return queries[0]
    return Query.boolean_query([(Occur.Should, query) for query in queries])


def _in_network(value: str, network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    try:
        return ipaddress.ip_address(value) in network
    except ValueError:
        return False
