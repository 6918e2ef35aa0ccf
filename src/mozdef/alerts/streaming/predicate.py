"""A query tree compiled into a function of one event, for rules evaluated per event.

It answers exactly as mozdef.query.reference.matches does. The shapes that rules use
most are compiled into plain operations: Term and Wildcard on keyword fields (exact
value, prefix, suffix, substring, prefix and suffix), numeric Range on keyword
fields, Cidr, and the Bool around them. Every other node (text and date fields but
Cidr, unfielded queries, Regex, Exists, string Ranges and Wildcards with `?` or
several inner `*`) is handed to the reference evaluation.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from mozdef.alerts.streaming import wildcards
from mozdef.alerts.streaming.fields import reader
from mozdef.query.reference import field_kind, matches, read_number
from mozdef.query.tree import Bool, Cidr, MatchAll, MatchNone, Node, Range, Term, Wildcard

Predicate = Callable[[Mapping[str, Any], datetime], bool]
ValueTest = Callable[[Any], bool]


def compile_predicate(node: Node) -> Predicate:
    """A function `(event, now) -> bool` equal to `matches(node, event, now=now)`."""
    if isinstance(node, MatchAll):
        return lambda event, now: True
    if isinstance(node, MatchNone):
        return lambda event, now: False
    if isinstance(node, Bool):
        return _bool(node)
    if isinstance(node, (Term, Wildcard, Cidr, Range)) and node.field is not None:
        test = _leaf_test(node, field_kind(node.field))
        if test is not None:
            return _any_value(node.field, test)
    return lambda event, now: matches(node, event, now=now)


def _leaf_test(node: Term | Wildcard | Cidr | Range, kind: str) -> ValueTest | None:
    if isinstance(node, Cidr):
        return None if kind == "date" else _cidr_test(node.network)
    if kind != "keyword":
        return None
    if isinstance(node, Term):
        return _term_test(node.value)
    if isinstance(node, Wildcard):
        return _wildcard_test(node.pattern)
    return _number_range_test(node)


def _any_value(field: str, test: ValueTest) -> Predicate:
    read = reader(field)

    def predicate(event: Mapping[str, Any], now: datetime) -> bool:
        return any(test(value) for value in read(event))

    return predicate


def _term_test(text: str) -> ValueTest:
    number = read_number(text)
    as_bool = {"true": True, "false": False}.get(text)

    def test(value: Any) -> bool:
        if type(value) is str:
            return value == text
        if isinstance(value, bool):
            return value is as_bool
        return number is not None and isinstance(value, (int, float)) and value == number

    return test


def _wildcard_test(pattern: str) -> ValueTest | None:
    literals, found = wildcards.split(pattern)
    if not found:
        whole = literals[0]
        return lambda value: type(value) is str and value == whole
    if found == [wildcards.ANY_RUN]:
        return _prefix_suffix_test(literals[0], literals[1])
    if found == [wildcards.ANY_RUN] * 2 and literals[0] == literals[2] == "":
        inner = literals[1]
        return lambda value: type(value) is str and inner in value
    return None


def _prefix_suffix_test(prefix: str, suffix: str) -> ValueTest:
    shortest = len(prefix) + len(suffix)

    def test(value: Any) -> bool:
        return (
            type(value) is str
            and len(value) >= shortest
            and value.startswith(prefix)
            and value.endswith(suffix)
        )

    return test


def _cidr_test(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> ValueTest:
    version = network.version
    first, last = int(network.network_address), int(network.broadcast_address)

    def test(value: Any) -> bool:
        address = _address(value) if type(value) is str else None
        return address is not None and address[0] == version and first <= address[1] <= last

    return test


# Rules testing the same field of the same event parse its address once.
@functools.lru_cache(maxsize=65_536)
def _address(text: str) -> tuple[int, int] | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return address.version, int(address)


def _number_range_test(node: Range) -> ValueTest | None:
    """Numeric bounds compare numbers only (not booleans, not numeric strings)."""
    written = [bound for bound in (node.low, node.high) if bound is not None]
    if not written or any(read_number(bound) is None for bound in written):
        return None
    low = None if node.low is None else read_number(node.low)
    high = None if node.high is None else read_number(node.high)

    def test(value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        above = low is None or value > low or (node.include_low and value == low)
        return above and (high is None or value < high or (node.include_high and value == high))

    return test


def _bool(node: Bool) -> Predicate:
    must = [compile_predicate(clause) for clause in node.must]
    should = [compile_predicate(clause) for clause in node.should]
    must_not = [compile_predicate(clause) for clause in node.must_not]
    if not (must or should or must_not):
        return lambda event, now: False

    def predicate(event: Mapping[str, Any], now: datetime) -> bool:
        for clause in must_not:
            if clause(event, now):
                return False
        for clause in must:
            if not clause(event, now):
                return False
        if must or not should:
            return True
        return any(clause(event, now) for clause in should)

    return predicate
