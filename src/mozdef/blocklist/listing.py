"""Listing blocks or watched terms a page at a time: the filters and the page.

    query = parse_listing({"kind": "ip", "state": "active", "q": "ssh", "limit": "20"})

`state` is one of active, expired, removed, or all (the default); `q` finds text in
the value or term, the reason and who added it, ignoring case, and on the block list
an IP address in `q` also finds every network containing it. Pages are newest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy import ColumnElement, Select, Table, func, or_, select

from mozdef.blocklist.lifecycle import STATES, State, state_condition
from mozdef.blocklist.values import Kind, parse_kind
from mozdef.errors import ListEntryError

T = TypeVar("T")
StateFilter = State | Literal["all"]
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_QUERY = 255
PARAMETERS = ("kind", "state", "q", "limit", "offset")


@dataclass(frozen=True)
class Listing:
    kind: Kind | None = None
    state: StateFilter = "all"
    q: str | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    # Entries matching the filters, on every page.
    total: int
    limit: int
    offset: int


# Deeper pages are refused (no list is that long, and the database's integers end).
MAX_OFFSET = 1_000_000


def parse_listing(params: Mapping[str, str], *, kinds: bool = True) -> Listing:
    """The listing that query parameters ask for; ListEntryError names a bad one."""
    allowed = PARAMETERS if kinds else tuple(p for p in PARAMETERS if p != "kind")
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ListEntryError(unknown[0], None, f"unknown parameter; known: {', '.join(allowed)}")
    kind = params.get("kind") or None
    q = (params.get("q") or "").strip() or None
    if q is not None and len(q) > MAX_QUERY:
        raise ListEntryError("q", "...", f"at most {MAX_QUERY} characters")
    return Listing(
        kind=None if kind is None else parse_kind(kind),
        state=_state(params.get("state") or "all"),
        q=q,
        limit=_number(params, "limit", DEFAULT_LIMIT, low=1, high=MAX_LIMIT),
        offset=_number(params, "offset", 0, low=0, high=MAX_OFFSET),
    )


def _state(text: str) -> StateFilter:
    if text == "all":
        return "all"
    if text not in STATES:
        choices = ", ".join((*STATES, "all"))
        raise ListEntryError("state", text, f"expected one of {choices}, found {text!r}")
    return text


def _number(
    params: Mapping[str, str], name: str, default: int, *, low: int, high: int | None
) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < low or (high is not None and int(raw) > high):
        bound = f"{low} to {high}" if high is not None else f"{low} or more"
        raise ListEntryError(name, raw, f"expected a whole number from {bound}, found {raw!r}")
    return int(raw)


def text_condition(columns: Sequence[ColumnElement[str]], q: str) -> ColumnElement[bool]:
    """Any of `columns` contains `q`, ignoring case; `%` and `_` in `q` are literal."""
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return or_(*(func.lower(column).like(pattern, escape="\\") for column in columns))


def filtered(
    table: Table, listing: Listing, now: dt.datetime, *extra: ColumnElement[bool]
) -> Select[Any]:
    """Rows of `table` in the listing's state, with the `extra` conditions."""
    query = select(table).where(*extra)
    if listing.state != "all":
        query = query.where(state_condition(table, listing.state, now))
    return query


def counted(query: Select[Any]) -> Select[int]:
    return select(func.count()).select_from(query.subquery())


def paged(query: Select[Any], table: Table, listing: Listing) -> Select[Any]:
    order = (table.c.created.desc(), table.c.id)
    return query.order_by(*order).limit(listing.limit).offset(listing.offset)
