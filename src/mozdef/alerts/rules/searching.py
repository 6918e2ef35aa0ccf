"""The searches declarative rules make: events of a window, and values counted exactly."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from mozdef.logfmt import fields
from mozdef.query.tree import Node, Term, and_
from mozdef.store.base import EventStore, Hit, SearchRequest

log = logging.getLogger(__name__)

EVENTS_TARGET = "events-*"
# Distinct values counted per run; beyond it a warning names how many events were left out.
MAX_BUCKETS = 10_000
_TERMS = "values"


@dataclass(frozen=True)
class Window:
    """The events whose utctimestamp lies in `[start, end)`."""

    start: dt.datetime
    end: dt.datetime

    @classmethod
    def ending(cls, now: dt.datetime, length: dt.timedelta) -> Window:
        return cls(now - length, now)


@dataclass(frozen=True)
class Bucket:
    value: Any
    text: str
    count: int


def hits(store: EventStore, node: Node, window: Window, *, size: int) -> tuple[int, list[Hit]]:
    """The number of events matching `node` in `window`, and the newest `size` of them."""
    result = store.search(_request(node, window, size=size))
    return result.total, result.hits


def count(store: EventStore, node: Node, window: Window) -> int:
    return store.count(_request(node, window, size=0))


def buckets(
    store: EventStore, node: Node, field: str, window: Window, *, rule: str
) -> list[Bucket]:
    """Each value of `field` among the matching events, with its exact count, most first."""
    aggs = {_TERMS: {"terms": {"field": field, "size": MAX_BUCKETS}}}
    answer = store.search(_request(node, window, size=0, aggs=aggs)).aggregations[_TERMS]
    if answer.get("sum_other_doc_count"):
        log.warning(
            "alerts.rule.buckets_cut",
            extra=fields(rule=rule, field=field, left_out=answer["sum_other_doc_count"]),
        )
    return [
        Bucket(b["key"], str(b.get("key_as_string", b["key"])), int(b["doc_count"]))
        for b in answer["buckets"]
    ]


def bucket_hits(
    store: EventStore, node: Node, field: str, bucket: Bucket, window: Window, *, size: int
) -> list[Hit]:
    return hits(store, and_(node, Term(field, bucket.text)), window, size=size)[1]


def _request(
    node: Node, window: Window, *, size: int, aggs: dict[str, Any] | None = None
) -> SearchRequest:
    return SearchRequest(
        query=node, start=window.start, end=window.end, index=EVENTS_TARGET, size=size, aggs=aggs
    )
