"""Which plugins see an event: registration terms looked up while walking it once.

A plugin sees an event when one of its terms equals a key or a value anywhere in
the event, compared case-insensitively; a number in the event matches a term
that reads as the same number (`22` matches `"22"`), a boolean matches nothing.
`'*'` anywhere in a registration, or an empty registration, means every event.

Terms of up to `_MAX_CASED` letters are stored under every upper/lower-case
spelling, so that each string of the event costs one hash lookup and no
lower-casing; longer terms are compared through `str.lower`.

Known limits:
- Which plugins see an event is decided once, on the event as it enters the
  chain. A term that one plugin adds does not bring the event to a later plugin
  registered on it; register such a plugin on a term the event already has, or
  on `'*'`.
- A value that is not a JSON type and cannot be hashed (a set, say) stops the
  walk, and every plugin then sees the event.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from mozdef.events.schema import REQUIRED_FIELDS, Event
from mozdef.pipeline.plugin import EVERY_EVENT, Metadata, Plugin, PluginResult, plugin_name

_MAX_CASED = 8
# Distinct sets of plugins whose run order is kept; more than a few is unusual.
_CHAINS_KEPT = 1024

_TOP_LEVEL_TEXTS = itemgetter(*(f for f in REQUIRED_FIELDS if f not in ("tags", "details")))


@dataclass(frozen=True)
class Entry:
    """A plugin as the chain runs it."""

    plugin: Plugin
    name: str
    atomic: bool
    call: Callable[[Event, Metadata], PluginResult]


class PluginIndex:
    """Plugins in run order, and a lookup from registration terms to them.

    Plugins are numbered by run order; a set of plugins is a bit mask, and the
    entries of each mask met are kept, so that matching builds no list.
    """

    def __init__(self, plugins: Iterable[Plugin]) -> None:
        ordered = sorted(plugins, key=lambda plugin: plugin.priority)
        self.entries = tuple(
            Entry(p, plugin_name(p), getattr(p, "atomic", False) is True, p.onMessage)
            for p in ordered
        )
        self._all = (1 << len(self.entries)) - 1
        self._always = 0
        self._exact: dict[object, int] = {}
        self._folded: dict[str, int] = {}
        for position, entry in enumerate(self.entries):
            terms = registration_terms(entry.plugin)
            if terms is None:
                self._always |= 1 << position
            for term in terms or ():
                self._add(term, 1 << position)
        self._longest_folded = max(map(len, self._folded), default=0)
        self._chains: dict[int, tuple[Entry, ...]] = {self._all: self.entries}

    def _add(self, term: str, bit: int) -> None:
        spellings = _spellings(term)
        table: dict[Any, int] = self._exact if spellings else self._folded
        keys: list[object] = [*spellings] if spellings else [term]
        number = _number(term)
        if number is not None:
            keys.append(number)
        for key in keys:
            table[key] = table.get(key, 0) | bit

    def matching(self, event: Mapping[str, Any], *, normalized: bool = False) -> tuple[Entry, ...]:
        """The entries that want `event`, in run order. `normalized` says that the
        event comes straight from `normalize`, whose shape allows a quicker walk."""
        if self._always == self._all:
            return self.entries
        try:
            if normalized and not self._folded:
                mask = self._always | self._in_normalized(event)
            else:
                mask = self._always | self._in_object(event)
        except TypeError:
            return self.entries
        chain = self._chains.get(mask)
        if chain is None:
            chain = tuple(e for i, e in enumerate(self.entries) if mask >> i & 1)
            if len(self._chains) < _CHAINS_KEPT:
                self._chains[mask] = chain
        return chain

    def _in_normalized(self, event: Mapping[str, Any]) -> int:
        # Every top-level value but tags and details is a string: one C-level
        # set test answers for all of them, and nearly always says "none".
        exact = self._exact
        mask = 0
        for group in (event.keys(), _TOP_LEVEL_TEXTS(event), event["tags"]):
            if not exact.keys().isdisjoint(group):
                mask |= self._in_values(group)
        return mask | self._in_object(event["details"])

    def _in_object(self, node: Mapping[str, Any]) -> int:
        exact, folded = self._exact, self._folded
        mask = 0
        if not exact.keys().isdisjoint(node):
            for key in exact.keys() & node.keys():
                mask |= exact[key]
        if folded:
            mask |= self._in_folded(node.keys())
        return mask | self._in_values(node.values())

    def _in_values(self, values: Iterable[Any]) -> int:
        exact, folded = self._exact, self._folded
        mask = 0
        for item in values:
            kind = item.__class__
            if kind is dict:
                mask |= self._in_object(item)
            elif kind is list:
                mask |= self._in_values(item)
            elif item in exact and kind is not bool:
                mask |= exact[item]
            elif folded and kind is str:
                mask |= self._in_folded((item,))
        return mask

    def _in_folded(self, strings: Iterable[str]) -> int:
        mask = 0
        for text in strings:
            if len(text) <= self._longest_folded:
                mask |= self._folded.get(text.lower(), 0)
        return mask


def registration_terms(plugin: Plugin) -> frozenset[str] | None:
    """The lower-cased terms of `plugin`, or None when it sees every event."""
    registration = plugin.registration
    terms = [registration] if isinstance(registration, str) else list(registration or ())
    if not terms or EVERY_EVENT in terms:
        return None
    return frozenset(str(term).lower() for term in terms)


def _spellings(term: str) -> list[str]:
    """Every spelling of `term` that lower-cases to it; empty when there are too many."""
    cased = sum(1 for char in term if char.lower() != char.upper())
    if cased > _MAX_CASED:
        return []
    options = [(char, char.upper()) if char.lower() != char.upper() else (char,) for char in term]
    spellings = ("".join(chars) for chars in itertools.product(*options))
    return [spelling for spelling in spellings if spelling.lower() == term]


def _number(term: str) -> int | float | None:
    for kind in (int, float):
        try:
            return kind(term)
        except ValueError:
            pass
    return None
