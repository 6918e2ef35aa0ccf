"""Watch-list terms found in events: an alert per event and term.

A term is matched as a phrase in any field, as MozDef's quoted query string was, or
in the one field the watch list names for it.
The watch list itself belongs to the case store (web app); the rule reads it on
every run through the small `WatchList` protocol, so a new term counts from the
next run on. Streaming, every event is offered to this rule (a term can be in any
field), so keep the list short.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from mozdef.alerts.detections.forms import (
    EVENTS,
    draft,
    first_text,
    sample,
    streamed_sample,
)
from mozdef.alerts.detections.meta import builtin
from mozdef.alerts.model import AlertDraft, EventSample
from mozdef.alerts.rule import IndexKeys
from mozdef.events.schema import Event
from mozdef.query.reference import matches
from mozdef.query.tree import Phrase
from mozdef.store.base import EventStore, SearchRequest

RULE_ID = "watchlist"


class WatchList(Protocol):
    def terms(self) -> Sequence[str]: ...


@runtime_checkable
class FieldedWatchList(WatchList, Protocol):
    """A watch list whose terms may name the one field to look in."""

    def watched(self) -> Sequence[tuple[str | None, str]]: ...


class MemoryWatchList:
    def __init__(self, terms: Iterable[str] = ()) -> None:
        self._terms = list(dict.fromkeys(terms))
        self._lock = threading.Lock()

    def add(self, term: str) -> None:
        with self._lock:
            if term not in self._terms:
                self._terms.append(term)

    def remove(self, term: str) -> None:
        with self._lock:
            self._terms = [known for known in self._terms if known != term]

    def terms(self) -> Sequence[str]:
        with self._lock:
            return tuple(self._terms)


class WatchListDetection:
    def __init__(
        self, watch_list: WatchList, *, window: dt.timedelta = dt.timedelta(minutes=20)
    ) -> None:
        self.watch_list = watch_list
        self.window = window
        self.meta = builtin(
            RULE_ID,
            "Watch-list term seen",
            severity="WARNING",
            category="watchlist",
            tags=("watchtarget",),
            window=window,
        )

    def run(self, store: EventStore, *, now: dt.datetime) -> list[AlertDraft]:
        drafts: list[AlertDraft] = []
        for field, term in self._watched():
            request = SearchRequest(
                query=Phrase(field, term), start=now - self.window, end=now, index=EVENTS, size=1000
            )
            drafts.extend(self._draft(term, sample(hit)) for hit in store.search(request).hits)
        return drafts

    def keys(self) -> IndexKeys:
        return IndexKeys()

    def match(self, event: Event, *, now: dt.datetime) -> list[AlertDraft]:
        found = [
            term for field, term in self._watched() if matches(Phrase(field, term), event, now=now)
        ]
        return [self._draft(term, streamed_sample(event, now)) for term in found]

    def _watched(self) -> Sequence[tuple[str | None, str]]:
        """(field, term) pairs; a field of None looks in every field."""
        if isinstance(self.watch_list, FieldedWatchList):
            return self.watch_list.watched()
        return [(None, term) for term in self.watch_list.terms()]

    def _draft(self, term: str, evidence: EventSample) -> AlertDraft:
        event = evidence.source
        user = first_text(event, "details.username") or first_text(event, "details.originaluser")
        source = first_text(event, "details.sourceipaddress") or "unknown"
        summary = (
            f"Watchlist term {term} seen for user {user or 'unknown'} from {source} "
            f"on {first_text(event, 'hostname') or 'unknown'}"
        )
        details = {"term": term, "username": user, "sourceipaddress": source}
        return draft(
            self.meta, summary, samples=(evidence,), dedup=f"{term}:{evidence.id}", details=details
        )


def rule(
    *, watch_list: WatchList, window: dt.timedelta = dt.timedelta(minutes=20)
) -> WatchListDetection:
    return WatchListDetection(watch_list, window=window)
