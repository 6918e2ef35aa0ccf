"""The reference evaluation of the query tree: plain Python, written to be obviously right.

Every store must answer as `matches` does; tests/store/test_query_equivalence.py checks
them against it on random queries. Beyond mozdef.query.tree's docstring, it decides:

Fields. `summary` is text; utctimestamp, receivedtimestamp and timestamp are dates;
every other field, top-level or under `details`, is a keyword. A path such as
`details.a.b` walks nested objects; a list matches when one of its elements does (lists
of objects too); null is no value; an object is not itself a value. A key that contains
a dot is not reachable by path.

Keyword values are strings, numbers or booleans. A query value matches a string when it
is the same string (case included), a number when it reads as the same number (`22`
matches 22, 22.0 and "22"; `22.0` matches 22 but not "22"), a boolean when it is `true`
or `false`.

Unfielded queries (field None) are the OR of the same query over every field of the
event, nested ones included, but the date fields.

Term and Phrase on summary: the query value is split into words as the summary is
(mozdef.query.words) and matches when those words appear in the summary at the same
relative positions, so a one-word Term is a word search and a Term such as `10.0.0.1`
is a phrase (Elasticsearch would OR the words instead). A value without words matches
nothing. On a keyword, Phrase is the same as Term. On a date field both mean the same
instant, the value read with datemath.

Wildcard and Regex match string values only (never numbers or dates), whole and
case-sensitively;
on summary, the whole summary as stored, not its words. Regex runs Python's `re`, so it
supports the ground common to Lucene's and Rust's syntax (no lookaround, no
backreferences, none of Lucene's `@ & ~ < > #` operators); `.` matches a newline, as in
Lucene.

Range on a date field compares times: string values read as ISO 8601, bounds as
datemath with Elasticsearch's rounding (`gt` and `lte` round up). Elsewhere, when every
bound given reads as a number, numeric values (not booleans, not numeric strings) are
compared as numbers; otherwise string values are compared as strings, by code point.
On summary a Range compares the whole summary string.

Exists: at least one non-null value at or under the path; an empty list or object has
none; an empty string is a value. Cidr: string values that parse as an IP address inside
the network (an IPv4 address is never inside an IPv6 network). Bool: as the tree says;
a Bool without any clause matches nothing.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from mozdef.errors import QueryValueError
from mozdef.events.schema import DATE_FIELDS, TEXT_FIELDS
from mozdef.query.datemath import parse_instant, resolve_time
from mozdef.query.tree import (
    Bool,
    Cidr,
    Exists,
    MatchAll,
    MatchNone,
    Node,
    Phrase,
    Range,
    Regex,
    Term,
    Wildcard,
)
from mozdef.query.words import words

ValueTest = Callable[[Any], bool]
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")


def matches(node: Node, event: Mapping[str, Any], *, now: datetime) -> bool:
    """Whether `event` matches `node`; `now` anchors date math such as `now-15m`."""
    if isinstance(node, MatchAll):
        return True
    if isinstance(node, MatchNone):
        return False
    if isinstance(node, Bool):
        return _bool(node, event, now=now)
    if isinstance(node, Exists):
        return any(True for _ in _leaves(_at_path(event, node.field)))
    paths = searchable_paths(event) if node.field is None else [node.field]
    return any(_matches_at(node, path, event, now) for path in paths)


def values_at(event: Mapping[str, Any], path: str) -> list[Any]:
    """The values at `path`: lists flattened, nulls and objects left out."""
    return [value for value in _flatten(_at_path(event, path)) if not _is_object(value)]


def searchable_paths(event: Mapping[str, Any]) -> list[str]:
    """The fields an unfielded query searches in `event`: every one but the dates."""
    return [
        path
        for name, value in event.items()
        if name not in DATE_FIELDS
        for path in _leaf_paths(value, name)
    ]


def field_kind(path: str) -> str:
    """`text`, `date` or `keyword`: how values of the field compare."""
    if path in TEXT_FIELDS:
        return "text"
    return "date" if path in DATE_FIELDS else "keyword"


def read_number(text: str) -> int | float | None:
    """`text` as a number when it is written as one (no spaces, no `nan`, no `_`)."""
    if not _NUMBER.fullmatch(text):
        return None
    return int(text) if text.lstrip("-").isdigit() else float(text)


def _bool(node: Bool, event: Mapping[str, Any], *, now: datetime) -> bool:
    if any(matches(clause, event, now=now) for clause in node.must_not):
        return False
    if not all(matches(clause, event, now=now) for clause in node.must):
        return False
    if node.must:
        return True
    if node.should:
        return any(matches(clause, event, now=now) for clause in node.should)
    return bool(node.must_not)


def _matches_at(node: Node, path: str, event: Mapping[str, Any], now: datetime) -> bool:
    test = _value_test(node, path, now)
    return any(test(value) for value in values_at(event, path))


# Built once per query, field and instant: a regex compiles, a time resolves, once.
@functools.lru_cache(maxsize=4096)
def _value_test(node: Node, path: str, now: datetime) -> ValueTest:
    kind = field_kind(path)
    if isinstance(node, Term):
        return _equal_test(node.value, kind, now)
    if isinstance(node, Phrase):
        return _equal_test(node.text, kind, now)
    if kind == "date" and isinstance(node, (Wildcard, Regex, Cidr)):
        return lambda value: False
    if isinstance(node, Wildcard):
        return _pattern_test(_wildcard_regex(node.pattern))
    if isinstance(node, Regex):
        return _pattern_test(_compile(node.pattern, node.pattern))
    if isinstance(node, Range):
        return _range_test(node, kind, now)
    if isinstance(node, Cidr):
        return lambda value: _in_network(value, node.network)
    raise TypeError(f"not a leaf query node: {node!r}")


def _equal_test(text: str, kind: str, now: datetime) -> ValueTest:
    if kind == "text":
        return _words_test(words(text))
    if kind == "date":
        instant = resolve_time(text, now=now)
        return lambda value: isinstance(value, str) and parse_instant(value) == instant
    return lambda value: _keyword_equals(value, text)


def _keyword_equals(value: Any, text: str) -> bool:
    if isinstance(value, bool):
        return text == ("true" if value else "false")
    if isinstance(value, (int, float)):
        return read_number(text) == value
    return isinstance(value, str) and value == text


def _words_test(wanted: tuple[tuple[int, str], ...]) -> ValueTest:
    """Summary holds every wanted word at the same distance from the first as in `wanted`."""

    def test(value: Any) -> bool:
        if not wanted or not isinstance(value, str):
            return False
        held = set(words(value))
        first = wanted[0][0]
        starts = {position for position, word in held if word == wanted[0][1]}
        return any(
            all((start + position - first, word) in held for position, word in wanted)
            for start in starts
        )

    return test


def _pattern_test(pattern: re.Pattern[str]) -> ValueTest:
    return lambda value: isinstance(value, str) and pattern.fullmatch(value) is not None


def _wildcard_regex(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            parts.append({"*": ".*", "?": "."}.get(char, re.escape(char)))
    return _compile("".join(parts), pattern)


def _compile(expression: str, written: str) -> re.Pattern[str]:
    try:
        return re.compile(expression, re.DOTALL)
    except re.error as error:
        raise QueryValueError(written, "a valid regular expression") from error


def _range_test(node: Range, kind: str, now: datetime) -> ValueTest:
    if kind == "date":
        low = _time_bound(node.low, now, round_up=not node.include_low)
        high = _time_bound(node.high, now, round_up=node.include_high)
        return lambda value: _within(_instant(value), low, high, node)
    bounds = [bound for bound in (node.low, node.high) if bound is not None]
    if bounds and all(read_number(bound) is not None for bound in bounds):
        low_number = None if node.low is None else read_number(node.low)
        high_number = None if node.high is None else read_number(node.high)
        return lambda value: _within(_number(value), low_number, high_number, node)
    return lambda value: _within(_string(value), node.low, node.high, node)


def _time_bound(bound: str | None, now: datetime, *, round_up: bool) -> datetime | None:
    return None if bound is None else resolve_time(bound, now=now, round_up=round_up)


def _within(value: Any, low: Any, high: Any, node: Range) -> bool:
    if value is None:
        return False
    above = low is None or value > low or (node.include_low and value == low)
    below = high is None or value < high or (node.include_high and value == high)
    return above and below


def _instant(value: Any) -> datetime | None:
    return parse_instant(value) if isinstance(value, str) else None


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _in_network(value: Any, network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return ipaddress.ip_address(value) in network
    except ValueError:
        return False


def _at_path(event: Mapping[str, Any], path: str) -> list[Any]:
    found: list[Any] = [event]
    for key in path.split("."):
        found = [item[key] for item in _flatten(found) if _is_object(item) and key in item]
    return found


def _flatten(values: Iterable[Any]) -> Iterable[Any]:
    for value in values:
        if isinstance(value, list):
            yield from _flatten(value)
        elif value is not None:
            yield value


def _leaves(values: Iterable[Any]) -> Iterable[Any]:
    for value in _flatten(values):
        if _is_object(value):
            yield from _leaves(value.values())
        else:
            yield value


def _leaf_paths(value: Any, path: str) -> list[str]:
    if isinstance(value, list):
        return sorted({leaf for item in value for leaf in _leaf_paths(item, path)})
    if _is_object(value):
        return [leaf for key, item in value.items() for leaf in _leaf_paths(item, f"{path}.{key}")]
    return [] if value is None else [path]


def _is_object(value: Any) -> bool:
    # The exact type first: events are JSON, and the ABC check is slow on every value.
    return type(value) is dict or isinstance(value, Mapping)
