"""The rule index: from an event to the few rules whose index keys it satisfies.

Each rule is filed once, under its most selective key (its primary):
- an `equals` pair, the one that the fewest rules share, in a table per field from
  value to rules: an event looks up each of its values of the indexed fields (unless
  more than SHARED_LIMIT rules share that pair and the rule has needles);
- else its `contains` needles, in one Aho-Corasick automaton per field: an event's
  string values of that field are scanned once, whatever the number of needles;
- else its categories, in a table from category to rules;
- else it is offered every event.
The rules found are then checked against the rest of their keys (categories, the
other equals pairs, a needle hit) with set and dict lookups, so that the cost of an
event grows with the number of rules it may match, not with the number of rules.

An event reads only the fields that rules of its category (or of any category) index:
the plan of fields per category is built on first use.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ahocorasick

from mozdef.alerts.rule import IndexKeys
from mozdef.alerts.streaming.fields import FieldReader, key_texts, lookup_texts, reader

Pair = tuple[str, str]
# An equals pair shared by more rules than this is probably common in events too: a
# rule that also has needles is filed under them instead.
SHARED_LIMIT = 4
# Plans kept for this many distinct categories; events of further ones build theirs anew.
PLAN_CACHE_LIMIT = 1024


@dataclass(frozen=True)
class _Check:
    """What remains to verify once a rule is found through its primary key."""

    categories: frozenset[str]
    # (field, the spellings of its value) for each equals pair but the primary one.
    equals: tuple[tuple[str, frozenset[str]], ...]
    needs_needle: bool


@dataclass(frozen=True)
class _Plan:
    """The fields an event of one category reads: equals tables and automata."""

    equals: tuple[tuple[FieldReader, dict[str, list[int]]], ...]
    needles: tuple[tuple[FieldReader, Any], ...]
    by_category: tuple[int, ...]


class RuleIndex:
    """Rules are numbered by their position in `keys`; `candidates` gives positions."""

    def __init__(self, keys: Sequence[IndexKeys]) -> None:
        shared = Counter(pair for key in keys for pair in set(key.equals))
        self._always: list[int] = []
        self._by_category: dict[str, list[int]] = {}
        self._equals: dict[str, dict[str, list[int]]] = {}
        self._by_needle: dict[str, dict[str, list[int]]] = {}
        self._found_by_needle: set[int] = set()
        # Field -> categories of the rules indexing it; None when one of them has none.
        self._field_categories: dict[str, set[str] | None] = {}
        self._checks: list[_Check] = []
        for position, key in enumerate(keys):
            primary = min(key.equals, key=lambda pair: shared[pair], default=None)
            if primary is not None and key.contains and shared[primary] > SHARED_LIMIT:
                primary = None
            self._file(position, key, primary)
            self._checks.append(_check(key, primary))
        self._readers = {field: reader(field) for field in self._field_categories}
        self._automata = {field: _automaton(table) for field, table in self._by_needle.items()}
        self._plans: dict[str | None, _Plan] = {}

    def candidates(self, event: Mapping[str, Any]) -> list[int]:
        """Positions, in order, of the rules whose keys `event` satisfies."""
        category = event.get("category")
        if type(category) is not str:
            category = None
        plan = self._plans.get(category) or self._plan(category)
        hits = _needle_hits(plan, event) if plan.needles else set()
        found = set(self._always)
        found.update(plan.by_category)
        for read, table in plan.equals:
            for value in read(event):
                for text in lookup_texts(value):
                    found.update(table.get(text, ()))
        found.update(hits & self._found_by_needle)
        texts: dict[str, set[str]] = {}
        held = [p for p in found if self._holds(self._checks[p], p, event, category, hits, texts)]
        return sorted(held)

    def _file(self, position: int, key: IndexKeys, primary: Pair | None) -> None:
        for field, needle in key.contains:
            self._by_needle.setdefault(field, {}).setdefault(needle, []).append(position)
            self._uses(field, key.categories)
        for field, _ in key.equals:
            self._uses(field, key.categories)
        if primary is not None:
            field, value = primary
            table = self._equals.setdefault(field, {})
            for text in key_texts(value):
                table.setdefault(text, []).append(position)
        elif key.contains:
            self._found_by_needle.add(position)
        elif key.categories:
            for category in key.categories:
                self._by_category.setdefault(category, []).append(position)
        else:
            self._always.append(position)

    def _uses(self, field: str, categories: frozenset[str]) -> None:
        known = self._field_categories.setdefault(field, set())
        if known is None or not categories:
            self._field_categories[field] = None
        else:
            known.update(categories)

    def _plan(self, category: str | None) -> _Plan:
        wanted = [
            field
            for field, categories in self._field_categories.items()
            if categories is None or category in categories
        ]
        plan = _Plan(
            equals=tuple((self._readers[f], self._equals[f]) for f in wanted if f in self._equals),
            needles=tuple(
                (self._readers[f], self._automata[f]) for f in wanted if f in self._automata
            ),
            by_category=tuple(self._by_category.get(category, ())) if category else (),
        )
        if len(self._plans) < PLAN_CACHE_LIMIT:
            self._plans[category] = plan
        return plan

    def _holds(
        self,
        check: _Check,
        position: int,
        event: Mapping[str, Any],
        category: str | None,
        hits: set[int],
        texts: dict[str, set[str]],
    ) -> bool:
        """Whether the rest of a found rule's keys hold; `texts` memoizes, per field, the
        event's index spellings, as several rules often check the same field."""
        if check.categories and category not in check.categories:
            return False
        if check.needs_needle and position not in hits:
            return False
        for field, wanted in check.equals:
            held = texts.get(field)
            if held is None:
                held = texts[field] = self._texts_at(field, event)
            if held.isdisjoint(wanted):
                return False
        return True

    def _texts_at(self, field: str, event: Mapping[str, Any]) -> set[str]:
        read = self._readers.get(field) or reader(field)
        return {text for value in read(event) for text in lookup_texts(value)}


def _check(key: IndexKeys, primary: Pair | None) -> _Check:
    others = [pair for pair in key.equals if pair != primary]
    equals = tuple((field, frozenset(key_texts(value))) for field, value in others)
    return _Check(key.categories, equals, needs_needle=bool(key.contains))


def _needle_hits(plan: _Plan, event: Mapping[str, Any]) -> set[int]:
    hits: set[int] = set()
    for read, automaton in plan.needles:
        for value in read(event):
            if type(value) is str:
                for _, positions in automaton.iter(value):
                    hits.update(positions)
    return hits


def _automaton(table: dict[str, list[int]]) -> Any:
    automaton = ahocorasick.Automaton()
    for needle, positions in table.items():
        automaton.add_word(needle, tuple(positions))
    automaton.make_automaton()
    return automaton
