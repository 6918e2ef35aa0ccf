"""Lucene query strings, as Kibana and MozDef users write them, parsed into the query tree.

    parse('category:authentication AND details.username:admin*')

Syntax: `field:value`, `"a phrase"`, `*` and `?` wildcards, `/regex/`, ranges
`[a TO b]`, `{a TO b}` and mixed `[a TO b}` with `*` for an open end, `>=5` `>5` `<5`
`<=5`, `_exists_:field`, `field:*` (the field exists), `field:(a OR b)`, parentheses,
`AND OR NOT && || ! + -`, `\\` escapes, `*` or `*:*` or an empty string for everything.
A fielded value that is an IP network written with a `/` (`10.0.0.0/8`, quoted or not)
is a `Cidr`. Boosts (`^2`) are accepted and ignored: results are not ranked. Fuzzy and
proximity searches (`~`) are refused with a syntax error.

Boolean operators follow Lucene's classic query parser, which Elasticsearch's
query_string uses, rather than the precedence luqum builds: the clauses at one level of
parentheses are read left to right, `AND` makes the clauses on both of its sides
required, `OR` leaves them optional, `NOT`, `!` and `-` prohibit the next clause and `+`
requires it. With the default operator OR, `a AND b OR c` is `+a +b c`, so it matches
only documents with a and b (c only ranks), and `a OR b AND c` is `a +b +c`. luqum's
tree keeps the clauses in their written order, which is all this needs.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from luqum import tree as lq

from mozdef.errors import QuerySyntaxError
from mozdef.query.lucene_scan import rewrite
from mozdef.query.lucene_syntax import run_luqum
from mozdef.query.tree import (
    Bool,
    Cidr,
    Exists,
    MatchAll,
    Node,
    Phrase,
    Range,
    Regex,
    Term,
    Wildcard,
)

_OPERATIONS: dict[type[Any], str] = {
    lq.AndOperation: "AND",
    lq.OrOperation: "OR",
    lq.UnknownOperation: "",
}


def parse(text: str) -> Node:
    """The query tree for the Lucene query `text`; QuerySyntaxError names what was expected."""
    if not text.strip():
        return MatchAll()
    rewritten = rewrite(text)
    return _Translator(text, rewritten.origin).node(run_luqum(text, rewritten), None)


class _Translator:
    """Walks luqum's tree; `field` is the field a value applies to (None: every field)."""

    def __init__(self, query: str, origin: list[int]) -> None:
        self.query = query
        self.origin = origin

    def node(self, item: Any, field: str | None) -> Node:
        if isinstance(item, (lq.AndOperation, lq.OrOperation, lq.UnknownOperation)):
            return self.clauses(item, field)
        if isinstance(item, (lq.Plus, lq.Prohibit, lq.Not)):
            return self.clauses(item, field)
        if isinstance(item, lq.SearchField):
            return self.node(item.expr, unescape(item.name))
        if isinstance(item, (lq.Group, lq.FieldGroup)):
            return self.node(item.expr, field)
        if isinstance(item, lq.Boost):
            return self.node(item.expr, field)
        return self.leaf(item, field)

    def leaf(self, item: Any, field: str | None) -> Node:
        if isinstance(item, lq.Word):
            return self.word(item, field)
        if isinstance(item, lq.Phrase):
            return _phrase(unescape(item.value[1:-1]), field)
        if isinstance(item, lq.Regex):
            return Regex(field, item.value[1:-1].replace("\\/", "/"))
        if isinstance(item, (lq.Range, lq.From, lq.To)):
            return self.range(item, field)
        if isinstance(item, (lq.Fuzzy, lq.Proximity)):
            at = self.at(item.term.pos + item.term.size)
            raise QuerySyntaxError(self.query, at, "no ~ (fuzzy and proximity are not supported)")
        raise QuerySyntaxError(self.query, self.at(item.pos), "a term, a phrase or a group")

    def word(self, item: Any, field: str | None) -> Node:
        value: str = item.value
        if field == "_exists_":
            return Exists(unescape(value))
        if field == "*":
            field = None
        if value == "*":
            return MatchAll() if field is None else Exists(field)
        if _has_wildcard(value):
            return Wildcard(field, _wildcard_pattern(value))
        return _phrase(unescape(value), field, make=Term)

    def range(self, item: Any, field: str | None) -> Node:
        if field is None:
            expected = "a field before the range, as in field:[low TO high]"
            raise QuerySyntaxError(self.query, self.at(item.pos), expected)
        if isinstance(item, lq.From):
            return Range(field, _bound(item.a), None, include_low=item.include)
        if isinstance(item, lq.To):
            return Range(field, None, _bound(item.a), include_high=item.include)
        low, high = _bound(item.low), _bound(item.high)
        return Range(field, low, high, item.include_low, item.include_high)

    def clauses(self, item: Any, field: str | None) -> Node:
        """One level of boolean clauses, read left to right as Lucene does."""
        placed: list[tuple[str, Node]] = []
        for conjunction, clause in _sequence(item):
            modifier, inner = _modifier(clause)
            # AND also makes the clause before it required, unless that one is prohibited.
            if conjunction == "AND" and placed and placed[-1][0] == "should":
                placed[-1] = ("must", placed[-1][1])
            placed.append((_occur(conjunction, modifier), self.node(inner, field)))
        return _bool(placed)

    def at(self, rewritten_position: int) -> int:
        return self.origin[min(rewritten_position, len(self.origin) - 1)]


def _sequence(item: Any) -> list[tuple[str, Any]]:
    """The clauses of nested operations in written order, each with the conjunction
    written before it ("AND", "OR", or "" for none)."""
    conjunction = _OPERATIONS.get(type(item))
    if conjunction is None:
        return [("", item)]
    result: list[tuple[str, Any]] = []
    for index, child in enumerate(item.children):
        part = _sequence(child)
        if index > 0:
            part[0] = (conjunction, part[0][1])
        result.extend(part)
    return result


def _modifier(clause: Any) -> tuple[str, Any]:
    if isinstance(clause, lq.Plus):
        return "+", clause.a
    if isinstance(clause, (lq.Prohibit, lq.Not)):
        return "-", clause.a
    return "", clause


def _occur(conjunction: str, modifier: str) -> str:
    if modifier == "-":
        return "must_not"
    if modifier == "+" or conjunction == "AND":
        return "must"
    return "should"


def _bool(placed: list[tuple[str, Node]]) -> Node:
    """The Bool of the placed clauses; one required or optional clause alone is itself."""
    if len(placed) == 1 and placed[0][0] != "must_not":
        return placed[0][1]
    must, should, must_not = (
        tuple(node for occur, node in placed if occur == wanted)
        for wanted in ("must", "should", "must_not")
    )
    return Bool(must=must, should=should, must_not=must_not)


def _phrase(text: str, field: str | None, make: type[Term] | type[Phrase] = Phrase) -> Node:
    network = _network(text) if field is not None else None
    if network is not None and field is not None:
        return Cidr(field, network)
    return make(field, text)


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if "/" not in text:
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _bound(item: Any) -> str | None:
    if isinstance(item, lq.Prohibit):
        return "-" + unescape(item.a.value)
    if isinstance(item, lq.Phrase):
        return unescape(item.value[1:-1])
    value: str = item.value
    return None if value == "*" else unescape(value)


def unescape(text: str) -> str:
    """`text` with each `\\x` read as `x`."""
    chars: list[str] = []
    escaped = False
    for char in text:
        if char == "\\" and not escaped:
            escaped = True
            continue
        chars.append(char)
        escaped = False
    return "".join(chars)


def _has_wildcard(value: str) -> bool:
    return any(char in "*?" for char in _unescaped_chars(value))


def _unescaped_chars(value: str) -> list[str]:
    chars: list[str] = []
    position = 0
    while position < len(value):
        if value[position] == "\\":
            position += 2
            continue
        chars.append(value[position])
        position += 1
    return chars


def _wildcard_pattern(value: str) -> str:
    """The pattern with only `\\*`, `\\?` and `\\\\` left escaped, as Wildcard expects."""
    chars: list[str] = []
    position = 0
    while position < len(value):
        char = value[position]
        if char == "\\" and position + 1 < len(value):
            following = value[position + 1]
            chars.append("\\" + following if following in "*?\\" else following)
            position += 2
            continue
        chars.append(char)
        position += 1
    return "".join(chars)
