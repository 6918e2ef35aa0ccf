"""Range queries, which tantivy answers differently per kind of field.

- dates: microsecond integers, with Elasticsearch's rounding of date math.
- numbers on a JSON path: `range_query` refuses JSON paths, but tantivy's query
  parser builds a correct fast-field range for `details.x:[a TO b]`; the text is
  made here from validated numbers and a checked path, never from user text.
  Two defects of tantivy 0.27 are worked around: bounds of different types (an
  integer and a fraction; the parser reads 0.0 as the integer 0) panic, so such
  a range becomes two half ranges; a fractional bound on an integer column is
  truncated toward zero, so the integer it wrongly admits is excluded again.
  Both workarounds treat each value alone: an array of numbers can match when two
  of its values meet one bound each, or miss when it also holds that integer.
- strings (keywords, the whole summary, JSON paths with non-numeric bounds): the
  field's distinct values in the index are listed and compared in code point
  order; a field with more than EXPANSION_LIMIT of them is refused.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Literal

import tantivy
from tantivy import FieldType, Occur, Query

from mozdef.errors import QueryValueError
from mozdef.query import tree
from mozdef.query.datemath import resolve_time
from mozdef.store.tantivy.schema import SUMMARY_RAW, micros

EXPANSION_LIMIT = 65_536
_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
_INTEGER = re.compile(r"-?\d+")
_DECIMAL = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_PATH_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_@\-]*")

Number = int | float
Keep = Callable[[str], bool]


def number(text: str) -> Number | None:
    """The number `text` writes (`-12`, `1.5`, `2e3`), or None."""
    if _INTEGER.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text):
        parsed = float(text)
        return parsed if math.isfinite(parsed) else None
    return None


def int_range(
    schema: tantivy.Schema,
    field: str,
    low: int | None,
    high: int | None,
    include_low: bool,
    include_high: bool,
) -> Query:
    return Query.range_query(schema, field, FieldType.Integer, low, high, include_low, include_high)


class RangeCompiler:
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
        self._parser = parser
        self._now = now

    def compile(self, node: tree.Range, kind: str, name: str, path: tuple[str, ...]) -> Query:
        """`node` on the field `name` of `kind` (`path`: its segments in a JSON field)."""
        if kind == "date":
            return self._dates(node, name)
        low, high = _bound(node.low), _bound(node.high)
        if kind == "json" and low is not False and high is not False:
            return self._numbers(node, name, path, low, high)
        if low is not False and high is not False and kind == "keyword":
            return Query.empty_query()  # keyword fields hold strings only; numbers live in _extra
        field = SUMMARY_RAW if kind == "text" else name
        return self.listed(field, lambda value: _within(value, node))

    def listed(self, field: str, keep: Keep) -> Query:
        """The values of `field` in this index that `keep` accepts, as a term set."""
        request = {"v": {"terms": {"field": field, "size": EXPANSION_LIMIT}}}
        listing = self._searcher.aggregate(Query.all_query(), request)["v"]
        if listing.get("sum_other_doc_count", 0):
            expected = f"a field with at most {EXPANSION_LIMIT} distinct values for this query"
            raise QueryValueError(field, expected)
        strings = (bucket["key"] for bucket in listing["buckets"] if isinstance(bucket["key"], str))
        chosen = [value for value in strings if keep(value)]
        if not chosen:
            return Query.empty_query()
        return Query.term_set_query(self._schema, field, chosen)

    def _dates(self, node: tree.Range, field: str) -> Query:
        low = None if node.low is None else self._instant(node.low, up=not node.include_low)
        high = None if node.high is None else self._instant(node.high, up=node.include_high)
        return int_range(self._schema, field, low, high, node.include_low, node.include_high)

    def _instant(self, text: str, *, up: bool) -> int:
        value = micros(resolve_time(text, now=self._now, round_up=up))
        if up and value != micros(resolve_time(text, now=self._now)):
            # Rounded up to the unit's last millisecond: take its last microsecond too.
            value += 999
        return value

    def _numbers(
        self,
        node: tree.Range,
        name: str,
        path: tuple[str, ...],
        low: Number | None,
        high: Number | None,
    ) -> Query:
        if low is None and high is None:
            return Query.exists_query(name, True)
        if (low is not None and low > _I64_MAX) or (high is not None and high < _I64_MIN):
            return Query.empty_query()
        low = None if low is None or low < _I64_MIN else low
        high = None if high is None or high > _I64_MAX else high
        if not all(_PATH_SEGMENT.fullmatch(part) for part in path):
            raise QueryValueError(node.field, "a field name of letters, digits, _ - @ for a range")
        if _fractional(low) != _fractional(high) and low is not None and high is not None:
            halves = [(low, None), (None, high)]
        else:
            halves = [(low, high)]
        clauses = [(Occur.Must, self._parsed(node, name, lo, hi)) for lo, hi in halves]
        for value in _widened_integers(low, high):
            clauses.append((Occur.MustNot, Query.term_query(self._schema, name, value)))
        return clauses[0][1] if len(clauses) == 1 else Query.boolean_query(clauses)

    def _parsed(
        self, node: tree.Range, name: str, low: Number | None, high: Number | None
    ) -> Query:
        as_float = _fractional(low) or _fractional(high)
        opening = "[" if node.include_low else "{"
        closing = "]" if node.include_high else "}"
        text = f"{name}:{opening}{_text(low, as_float)} TO {_text(high, as_float)}{closing}"
        return self._parser.parse_query(text)


def _bound(text: str | None) -> Number | Literal[False] | None:
    """A numeric bound, None for an open one, False when `text` is not a number."""
    if text is None or text == "*":
        return None
    parsed = number(text)
    return False if parsed is None else parsed


def _text(value: Number | None, as_float: bool) -> str:
    if value is None:
        return "*"
    if not as_float:
        return str(int(value))
    text = format(Decimal(repr(float(value))), "f")
    return text if "." in text else text + ".0"


def _fractional(value: Number | None) -> bool:
    return isinstance(value, float) and not value.is_integer()


def _widened_integers(low: Number | None, high: Number | None) -> list[int]:
    """The integers tantivy wrongly admits on integer columns: it truncates a
    fractional bound toward zero, which widens a positive low and a negative high."""
    widened = []
    if _fractional(low) and low is not None and low > 0:
        widened.append(math.trunc(low))
    if _fractional(high) and high is not None and high < 0:
        widened.append(math.trunc(high))
    return widened


def _within(value: str, node: tree.Range) -> bool:
    low, high = node.low, node.high
    above = low is None or low == "*" or value > low or (value == low and node.include_low)
    below = high is None or high == "*" or value < high or (value == high and node.include_high)
    return above and below
