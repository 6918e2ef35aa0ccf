"""The query tree: one representation for Lucene strings and MozDef's match classes.

Parsers build it, `mozdef.query.reference` evaluates it in plain Python, and each
store compiles it for its engine. Values stay as the user wrote them (strings);
a compiler decides per field whether a value is a number, a date or a keyword.

Field semantics, the same on every backend:
- `None` as a field means every field, as Elasticsearch's query_string default.
- `summary` is full text: a Term matches a word (case-insensitive), a Phrase
  matches consecutive words; Wildcard and Regex match the whole summary.
- other top-level fields and every `details.*` path are exact, case-sensitive
  keywords; a numeric value also matches the same number stored as a number.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TypeAlias


@dataclass(frozen=True)
class MatchAll:
    pass


@dataclass(frozen=True)
class MatchNone:
    pass


@dataclass(frozen=True)
class Term:
    field: str | None
    value: str


@dataclass(frozen=True)
class Phrase:
    field: str | None
    text: str


@dataclass(frozen=True)
class Wildcard:
    """`*` matches any run of characters, `?` exactly one; `\\` escapes either."""

    field: str | None
    pattern: str


@dataclass(frozen=True)
class Regex:
    """A Lucene regular expression, anchored at both ends, over the whole value."""

    field: str | None
    pattern: str


@dataclass(frozen=True)
class Range:
    """Bounds as written (`None` for open); a number, an ISO time or date math, or a string."""

    field: str
    low: str | None
    high: str | None
    include_low: bool = True
    include_high: bool = True


@dataclass(frozen=True)
class Exists:
    field: str


@dataclass(frozen=True)
class Cidr:
    field: str
    network: ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Bool:
    """Lucene's boolean: every `must`, no `must_not`, and at least one `should`
    when there is no `must` (with a `must`, `should` clauses only rank).
    A Bool with only `must_not` matches every document but those."""

    must: tuple[Node, ...] = field(default=())
    should: tuple[Node, ...] = field(default=())
    must_not: tuple[Node, ...] = field(default=())


Node: TypeAlias = (
    MatchAll | MatchNone | Term | Phrase | Wildcard | Regex | Range | Exists | Cidr | Bool
)


def and_(*nodes: Node) -> Node:
    """All of `nodes`; a single node stays itself."""
    return nodes[0] if len(nodes) == 1 else Bool(must=tuple(nodes))


def or_(*nodes: Node) -> Node:
    """Any of `nodes`; a single node stays itself."""
    return nodes[0] if len(nodes) == 1 else Bool(should=tuple(nodes))


def not_(node: Node) -> Node:
    return Bool(must_not=(node,))
