"""Bounded windowed state for counting and correlation rules: per group key, the
entries of the last `span` of event time.

An entry is an event's time, the event and its tags (a value counted by a value_count
rule, the base rules a temporal rule's event matched). Two limits bound the memory:
`max_groups` groups (the group updated least recently goes first) and `max_events`
entries per group (its oldest entry goes first). Each entry or group pushed out by a
limit is counted in `evictions`: an alert it would have completed may be missed.
Groups whose entries have all aged out are dropped without counting.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter, OrderedDict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from itertools import count

from mozdef.events.schema import Event

GroupKey = tuple[str, ...]


@dataclass(frozen=True)
class WindowLimits:
    max_groups: int = 10_000
    max_events: int = 1_000


@dataclass(order=True, frozen=True)
class Entry:
    at: dt.datetime
    # Arrival order breaks ties between entries of the same time.
    sequence: int
    event: Event = field(compare=False)
    tags: tuple[Hashable, ...] = field(compare=False, default=())


class Window:
    """One group's entries, oldest first, and how many entries carry each tag."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.tags: Counter[Hashable] = Counter()

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    @property
    def newest(self) -> dt.datetime:
        return self.entries[-1].at

    def add(self, entry: Entry) -> None:
        if self.entries and entry < self.entries[-1]:
            bisect.insort(self.entries, entry)
        else:
            self.entries.append(entry)
        self.tags.update(entry.tags)

    def drop_oldest(self, keep_after: dt.datetime | None = None) -> int:
        """Drop entries at or before `keep_after`, or the oldest one when it is None."""
        dropped = 0
        while self.entries and (keep_after is None or self.entries[0].at <= keep_after):
            oldest = self.entries.pop(0)
            for tag in oldest.tags:
                self.tags[tag] -= 1
                if self.tags[tag] <= 0:
                    del self.tags[tag]
            dropped += 1
            if keep_after is None:
                break
        return dropped


class GroupWindows:
    """The windows of every group of one rule."""

    def __init__(self, span: dt.timedelta, *, limits: WindowLimits | None = None) -> None:
        self.span = span
        self.limits = limits or WindowLimits()
        self.evictions = 0
        self._groups: OrderedDict[GroupKey, Window] = OrderedDict()
        self._sequence = count()

    def __len__(self) -> int:
        return len(self._groups)

    def add(
        self, key: GroupKey, at: dt.datetime, event: Event, tags: tuple[Hashable, ...]
    ) -> Window:
        """Add an entry to the group `key`; its window after ageing and limits."""
        window = self._groups.pop(key, None) or Window()
        self._groups[key] = window
        window.add(Entry(at, next(self._sequence), event, tags))
        window.drop_oldest(keep_after=window.newest - self.span)
        while len(window) > self.limits.max_events:
            self.evictions += window.drop_oldest()
        self._drop_expired(window.newest)
        while len(self._groups) > self.limits.max_groups:
            self._groups.popitem(last=False)
            self.evictions += 1
        return window

    def clear(self, key: GroupKey) -> None:
        self._groups.pop(key, None)

    def _drop_expired(self, now: dt.datetime) -> None:
        while self._groups:
            oldest = next(iter(self._groups.values()))
            if oldest.entries and oldest.newest > now - self.span:
                return
            self._groups.popitem(last=False)
