"""Events for detection tests: built with known fields, kept in a MemoryStore."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import Any, Protocol

from mozdef.alerts.model import AlertDraft
from mozdef.events.schema import Event
from mozdef.store.base import IndexedDoc
from mozdef.store.memory import MemoryStore

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
_ids = itertools.count(1)


def event(
    *,
    ago: dt.timedelta = dt.timedelta(seconds=30),
    details: dict[str, Any] | None = None,
    **fields: Any,
) -> Event:
    """A normalized event `ago` before NOW, with `fields` over the defaults."""
    moment = (NOW - ago).isoformat()
    base: Event = {
        "id": f"e{next(_ids)}",
        "utctimestamp": moment,
        "receivedtimestamp": moment,
        "timestamp": moment,
        "mozdefhostname": "mozdef1",
        "category": "event",
        "source": "",
        "summary": "",
        "hostname": "host1",
        "severity": "INFO",
        "processname": "",
        "processid": "",
        "eventsource": "",
        "tags": [],
        "type": "event",
        "details": details or {},
    }
    base.update(fields)
    return base


def stored(*events: Event) -> MemoryStore:
    store = MemoryStore(clock=lambda: NOW)
    store.index([IndexedDoc(str(e["id"]), e) for e in events])
    store.commit()
    return store


class Streaming(Protocol):
    def match(self, event: Event, *, now: dt.datetime) -> Sequence[AlertDraft]: ...


def streamed(rule: Streaming, *events: Event) -> list[AlertDraft]:
    """Every draft `rule` raises when `events` are offered one after the other."""
    return [found for one in events for found in rule.match(one, now=NOW)]


def minutes(count: float) -> dt.timedelta:
    return dt.timedelta(minutes=count)
