r"""The query tree compiled to OpenSearch's query DSL, over the hidden `_mozdef` fields.

A user's text never reaches `query_string`: every leaf becomes a term, wildcard,
regexp, range or match_phrase query on the fields that `document` describes. The
semantics are the reference evaluator's (mozdef.query.reference); per kind of field:

- keywords (every field but the dates and `summary`): a Term matches the string as
  written (`s`), the same number (`n`: `22` matches 22 and 22.0, `22.0` matches 22
  but not "22") and `true`/`false` the boolean (`b`). Wildcard, Regex and Cidr look at
  strings only; a Range with numeric bounds at numbers only, otherwise at strings in
  code point order.
- `summary`: a Term or Phrase is a phrase of its words (`w`); a value without words
  matches nothing. Wildcard, Regex, Range and Cidr look at the whole summary.
- dates: a Term is one instant, a Range compares instants, with date math resolved
  here by mozdef.query.datemath (Elasticsearch's rounding); Wildcard, Regex and Cidr
  never match.
- no field: a Term or Phrase on any keyword value (`as`, `an`, `ab`) or a phrase of
  the summary; a Wildcard or Regex on any keyword string or the whole summary.

Regular expressions run in Lucene's syntax with its optional operators off (so
`@ & ~ < > #` are plain characters, as in Python); they are first checked with
Python's `re`, as the reference runs them, so that an invalid one fails the same way.
A `"` is escaped (Lucene would quote with it) and `\n \t \r \f \v` become the
characters they stand for in Python. Known differences: `\d \w \s` are ASCII classes
in Lucene and Unicode ones in Python (`/\w+/` does not match "élodie" here), and `^`
and `$` are plain characters in Lucene but anchors in Python. Cidr: an IPv4 network
is a regexp over dotted-decimal text; an IPv6 network lists the field's distinct
strings in the searched indices (at most 60,000: `aggs.LIST_LIMIT`; any beyond are
not found) and keeps those inside it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Callable
from typing import Any

from mozdef.errors import QueryValueError
from mozdef.query import tree
from mozdef.query.datemath import resolve_time
from mozdef.query.reference import field_kind, read_number
from mozdef.store.opensearch import encoding
from mozdef.store.opensearch.document import HIDDEN, phrase_tokens

Query = dict[str, Any]
# The distinct strings of a path in the searched indices.
Lister = Callable[[str], list[str]]

MATCH_NONE: Query = {"match_none": {}}
MATCH_ALL: Query = {"match_all": {}}
TEXT = "summary"
_PYTHON_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}
_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"


def hidden(name: str) -> str:
    return f"{HIDDEN}.{name}"


def time_window(start: dt.datetime | None, end: dt.datetime | None) -> Query | None:
    """`start <= utctimestamp < end`, or None when both are open."""
    if start is None and end is None:
        return None
    low = None if start is None else encoding.instant(start)
    high = None if end is None else encoding.instant(end)
    return _path_range("d", "utctimestamp", low, high, True, False)


class Compiler:
    """Compiles trees for one search; `now` anchors date math."""

    def __init__(self, *, now: dt.datetime, list_strings: Lister) -> None:
        self._now = now
        self._list_strings = list_strings

    def compile(self, node: tree.Node) -> Query:
        if isinstance(node, tree.MatchAll):
            return MATCH_ALL
        if isinstance(node, tree.MatchNone):
            return MATCH_NONE
        if isinstance(node, tree.Bool):
            return self._bool(node)
        if isinstance(node, tree.Exists):
            return {"term": {hidden("p"): node.field}}
        if node.field is None:
            return self._unfielded(node)
        kind = field_kind(node.field)
        if kind == "date":
            return self._date(node, node.field)
        return self._keyword(node, node.field, text=kind == "text")

    def _bool(self, node: tree.Bool) -> Query:
        if not (node.must or node.should or node.must_not):
            return MATCH_NONE
        clauses: dict[str, list[Query]] = {
            "filter": [self.compile(child) for child in node.must],
            "should": [self.compile(child) for child in node.should],
            "must_not": [self.compile(child) for child in node.must_not],
        }
        body: dict[str, Any] = {key: value for key, value in clauses.items() if value}
        if node.should and not node.must:
            body["minimum_should_match"] = 1
        return {"bool": body}

    def _keyword(self, node: tree.Node, path: str, *, text: bool) -> Query:
        if isinstance(node, (tree.Term, tree.Phrase)):
            value = node.value if isinstance(node, tree.Term) else node.text
            return _phrase(value) if text else _any_of(_equal_terms(path, value))
        if isinstance(node, tree.Wildcard):
            pattern = encoding.wildcard_literal(path + encoding.SEPARATOR) + node.pattern
            return {"wildcard": {hidden("s"): {"value": pattern}}}
        if isinstance(node, tree.Regex):
            return _regexp("s", encoding.regex_literal(path) + "\\" + encoding.SEPARATOR, node)
        if isinstance(node, tree.Range):
            return _value_range(node, path)
        if isinstance(node, tree.Cidr):
            return self._cidr(node, path)
        raise QueryValueError(repr(node), "a node of mozdef.query.tree")

    def _date(self, node: tree.Node, path: str) -> Query:
        if isinstance(node, (tree.Term, tree.Phrase)):
            value = node.value if isinstance(node, tree.Term) else node.text
            moment = resolve_time(value, now=self._now)
            return {"term": {hidden("d"): encoding.term(path, encoding.instant(moment))}}
        if isinstance(node, tree.Range):
            low = self._bound(node.low, round_up=not node.include_low)
            high = self._bound(node.high, round_up=node.include_high)
            return _path_range("d", path, low, high, node.include_low, node.include_high)
        return MATCH_NONE

    def _bound(self, text: str | None, *, round_up: bool) -> str | None:
        if text is None:
            return None
        return encoding.instant(resolve_time(text, now=self._now, round_up=round_up))

    def _unfielded(self, node: tree.Node) -> Query:
        if isinstance(node, (tree.Term, tree.Phrase)):
            value = node.value if isinstance(node, tree.Term) else node.text
            return _any_of([*_equal_terms(None, value), _phrase(value)])
        if isinstance(node, tree.Wildcard):
            whole_summary = self._keyword(node, TEXT, text=True)
            return _any_of([{"wildcard": {hidden("as"): {"value": node.pattern}}}, whole_summary])
        if isinstance(node, tree.Regex):
            whole_summary = self._keyword(node, TEXT, text=True)
            return _any_of([_regexp("as", "", node), whole_summary])
        raise QueryValueError(repr(node), "a query that can go without a field")

    def _cidr(self, node: tree.Cidr, path: str) -> Query:
        network = node.network
        if isinstance(network, ipaddress.IPv4Network):
            low, high = network.network_address.packed, network.broadcast_address.packed
            octets = [_octet_pattern(a, b) for a, b in zip(low, high, strict=True)]
            prefix = encoding.regex_literal(path) + "\\" + encoding.SEPARATOR
            return {
                "regexp": {hidden("s"): {"value": prefix + "\\.".join(octets), "flags": "NONE"}}
            }
        inside = [value for value in self._list_strings(path) if _in_network(value, network)]
        if not inside:
            return MATCH_NONE
        return {"terms": {hidden("s"): [encoding.term(path, value) for value in inside]}}


def _equal_terms(path: str | None, value: str) -> list[Query]:
    """Terms for a keyword value as a string, a number and a boolean; no path: any path."""
    names = ("s", "n", "b") if path is not None else ("as", "an", "ab")
    wrap = (lambda text: text) if path is None else (lambda text: encoding.term(path, text))
    found: list[Query] = [{"term": {hidden(names[0]): wrap(value)}}]
    number = read_number(value)
    encoded = None if number is None else _encoded_number(number)
    if encoded is not None:
        found.append({"term": {hidden(names[1]): wrap(encoded)}})
    if value in ("true", "false"):
        found.append({"term": {hidden(names[2]): wrap(value)}})
    return found


def _phrase(value: str) -> Query:
    tokens = phrase_tokens(value)
    if not tokens:
        return MATCH_NONE
    return {"match_phrase": {hidden("w"): {"query": tokens}}}


def _regexp(field: str, prefix: str, node: tree.Regex | tree.Wildcard) -> Query:
    pattern = node.pattern
    try:
        re.compile(pattern, re.DOTALL)
    except re.error as error:
        raise QueryValueError(pattern, "a valid regular expression") from error
    value = f"{prefix}({_lucene_regex(pattern)})"
    return {"regexp": {hidden(field): {"value": value, "flags": "NONE"}}}


def _lucene_regex(pattern: str) -> str:
    """`pattern` as Lucene reads what Python reads (see the module notes)."""
    out: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            out.append(_PYTHON_ESCAPES.get(following) or "\\" + following)
        else:
            out.append('\\"' if char == '"' else char)
    return "".join(out)


def _value_range(node: tree.Range, path: str) -> Query:
    bounds = [bound for bound in (node.low, node.high) if bound is not None]
    if bounds and all(read_number(bound) is not None for bound in bounds):
        low = _number_bound(node.low)
        high = _number_bound(node.high)
        return _path_range("n", path, low, high, node.include_low, node.include_high)
    return _path_range("s", path, node.low, node.high, node.include_low, node.include_high)


def _number_bound(text: str | None) -> str | None:
    number = None if text is None else read_number(text)
    if number is None:
        return None
    encoded = _encoded_number(number)
    if encoded is None:
        raise QueryValueError(str(text), "a number within the range of a double")
    return encoded


def _encoded_number(number: float) -> str | None:
    try:
        return encoding.number(float(number))
    except OverflowError:
        return None


def _path_range(
    field: str, path: str, low: str | None, high: str | None, include_low: bool, include_high: bool
) -> Query:
    """A term range over one path's `<path>\\x1f<value>` terms; None bounds are open."""
    bounds: dict[str, str] = {}
    if low is None:
        bounds["gte"] = encoding.term(path, "")
    else:
        bounds["gte" if include_low else "gt"] = encoding.term(path, low)
    if high is None:
        bounds["lt"] = path + encoding.AFTER_SEPARATOR
    else:
        bounds["lte" if include_high else "lt"] = encoding.term(path, high)
    return {"range": {hidden(field): bounds}}


def _any_of(queries: list[Query]) -> Query:
    kept = [query for query in queries if query is not MATCH_NONE]
    if not kept:
        return MATCH_NONE
    if len(kept) == 1:
        return kept[0]
    return {"bool": {"should": kept, "minimum_should_match": 1}}


def _octet_pattern(low: int, high: int) -> str:
    if low == high:
        return str(low)
    if (low, high) == (0, 255):
        return _OCTET
    return "(" + "|".join(str(value) for value in range(low, high + 1)) + ")"


def _in_network(value: str, network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    try:
        return ipaddress.ip_address(value) in network
    except ValueError:
        return False
