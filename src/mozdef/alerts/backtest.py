"""Back-testing: what a rule would have raised over stored events, saving and telling
nothing.

How a rule is run over `[since, until)`:
- a rule whose `run` takes `lookback` (Python, YAML, MozDef JSON rules): one run as
  of `until` with a look-back of `until - since`. A threshold then applies to the
  whole period: for the alerts of each scheduled window, back-test window by window;
- a streaming rule (`match`, no schedule): every stored event of the period, oldest
  first, as of its own time. A windowed streaming rule keeps state between events:
  back-test a freshly loaded instance, not the one the streaming engine is using;
- any other scheduled rule: runs at `since + k * lookback` up to `until`, each with
  its own look-back (the last run, at `until`, may overlap the one before).
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Iterator
from typing import Any

from mozdef.alerts.model import AlertDraft
from mozdef.events.schema import Event
from mozdef.query.datemath import parse_instant
from mozdef.store.base import EventStore, SearchRequest

PAGE = 1000


def backtest(
    rule: Any, store: EventStore, since: dt.datetime, until: dt.datetime
) -> list[AlertDraft]:
    """The drafts `rule` raises on the events of `[since, until)`."""
    if until <= since:
        return []
    if _takes_lookback(rule):
        return list(rule.run(store, now=until, lookback=until - since))
    if rule.meta.schedule is None and hasattr(rule, "match"):
        return _streamed(rule, store, since, until)
    return _windowed(rule, store, since, until)


def _takes_lookback(rule: Any) -> bool:
    run = getattr(rule, "run", None)
    return callable(run) and "lookback" in inspect.signature(run).parameters


def _streamed(
    rule: Any, store: EventStore, since: dt.datetime, until: dt.datetime
) -> list[AlertDraft]:
    drafts: list[AlertDraft] = []
    for event in events_between(store, since, until):
        stamp = parse_instant(str(event.get("utctimestamp", ""))) or since
        drafts.extend(rule.match(event, now=stamp))
    return drafts


def _windowed(
    rule: Any, store: EventStore, since: dt.datetime, until: dt.datetime
) -> list[AlertDraft]:
    step: dt.timedelta = rule.meta.schedule.lookback
    drafts: list[AlertDraft] = []
    moment = since + step
    while moment < until:
        drafts.extend(rule.run(store, now=moment))
        moment += step
    drafts.extend(rule.run(store, now=until))
    return drafts


def events_between(store: EventStore, since: dt.datetime, until: dt.datetime) -> Iterator[Event]:
    """Every stored event whose utctimestamp lies in `[since, until)`, oldest first.

    Pages move on by time rather than by offset, so that any number of events can be
    read; events of one instant are told apart by their order (time, then id)."""
    start, offset = since, 0
    while True:
        request = SearchRequest(
            start=start,
            end=until,
            index="events-*",
            size=PAGE,
            offset=offset,
            sort=(("utctimestamp", "asc"),),
        )
        hits = store.search(request).hits
        for hit in hits:
            yield hit.source
        if len(hits) < PAGE:
            return
        last = _time(hits[-1].source) or start
        same = sum(1 for hit in hits if _time(hit.source) == last)
        start, offset = (start, offset + len(hits)) if last == start else (last, same)


def _time(event: Event) -> dt.datetime | None:
    stamp = event.get("utctimestamp")
    return parse_instant(stamp) if isinstance(stamp, str) else None
