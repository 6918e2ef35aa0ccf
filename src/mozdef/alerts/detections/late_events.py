"""Events that arrive long after they happened: the pipeline or a shipper is stuck.

As MozDef: among events received in the last 6 hours, those whose utctimestamp is
more than a day before the run raise one alert per receiving MozDef host. Streaming,
an event whose receivedtimestamp is more than `lateness` after its utctimestamp
raises a draft keyed by the same host, merged by the engine.
"""

from __future__ import annotations

import datetime as dt

from mozdef.alerts.detections.forms import (
    EVENTS,
    draft,
    event_time,
    sample,
    streamed_sample,
    text,
)
from mozdef.alerts.detections.meta import builtin
from mozdef.alerts.model import AlertDraft, EventSample
from mozdef.alerts.rule import IndexKeys
from mozdef.events.schema import Event
from mozdef.query.datemath import parse_instant
from mozdef.query.tree import Node, Range, Term, and_
from mozdef.store.base import EventStore, SearchRequest

RULE_ID = "late_events"
FIELD = "mozdefhostname"


class LateEvents:
    def __init__(
        self,
        *,
        lateness: dt.timedelta = dt.timedelta(days=1),
        window: dt.timedelta = dt.timedelta(hours=6),
        samples: int = 10,
    ) -> None:
        self.lateness = lateness
        self.window = window
        self.samples = samples
        self.meta = builtin(
            RULE_ID,
            "Late or old events",
            severity="ERROR",
            category="maintenance",
            tags=("pipeline",),
            window=window,
        )

    def run(self, store: EventStore, *, now: dt.datetime) -> list[AlertDraft]:
        query = self._query(now)
        aggs = {"hosts": {"terms": {"field": FIELD, "size": 1000}}}
        result = store.search(SearchRequest(query=query, index=EVENTS, size=0, aggs=aggs))
        drafts: list[AlertDraft] = []
        for bucket in result.aggregations["hosts"]["buckets"]:
            host = text(bucket["key"])
            request = SearchRequest(
                query=and_(query, Term(FIELD, host)), index=EVENTS, size=self.samples
            )
            samples = tuple(sample(hit) for hit in store.search(request).hits)
            drafts.append(self._draft(host, int(bucket["doc_count"]), samples))
        return drafts

    def keys(self) -> IndexKeys:
        return IndexKeys()

    def match(self, event: Event, *, now: dt.datetime) -> list[AlertDraft]:
        happened = event_time(event)
        received_text = event.get("receivedtimestamp")
        received = parse_instant(received_text) if isinstance(received_text, str) else None
        if happened is None or received is None or received - happened <= self.lateness:
            return []
        host = text(event.get(FIELD, ""))
        return [self._draft(host, 1, (streamed_sample(event, now),))]

    def _query(self, now: dt.datetime) -> Node:
        received = Range("receivedtimestamp", (now - self.window).isoformat(), now.isoformat())
        old = Range("utctimestamp", None, (now - self.lateness).isoformat(), include_high=False)
        return and_(received, old)

    def _draft(self, host: str, count: int, samples: tuple[EventSample, ...]) -> AlertDraft:
        summary = f"Events have an outdated utctimestamp ({count}) received by {host}"
        return draft(
            self.meta, summary, samples=samples, count=count, dedup=host, details={FIELD: host}
        )


def rule(
    *, lateness: dt.timedelta = dt.timedelta(days=1), window: dt.timedelta = dt.timedelta(hours=6)
) -> LateEvents:
    return LateEvents(lateness=lateness, window=window)
