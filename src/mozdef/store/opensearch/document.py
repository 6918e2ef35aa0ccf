"""The document sent to OpenSearch: the event as it came, plus the hidden `_mozdef` object.

Queries never read the event's own fields, whose mapping OpenSearch guesses per daily
index from the first value it sees. They read `_mozdef`, whose mapping is fixed and
which `_source` leaves out, so that hits return the event exactly as it was sent:

- `id`: the document id the caller gave (ties in every sort; replace).
- `p`: every path that holds a non-null value at or under it (`details`,
  `details.geo`, `details.geo.country`): Exists is one term.
- `s`, `n`, `b`: one `<path>\\x1f<value>` term per string, number and boolean leaf
  (`encoding` writes numbers in an order-preserving form). A value reads as its own
  JSON type only: the string "22" is in `s`, the number 22 in `n`.
- `d`: the values of the date fields that read as ISO 8601 times, to the microsecond;
  `utctimestamp`, `receivedtimestamp`, `timestamp`: the same as integers, for sorting.
- `as`, `an`, `ab`: the same leaves without their path, for unfielded queries; the
  date fields and `summary` are left out, as in the reference evaluation.
- `w`: the words of each summary (mozdef.query.words), ASCII words as they are and
  others as `_` and the hex of their UTF-8, separated by spaces, with `_x` where a
  word was dropped for length. The index's `mozdef_words` analyzer (OpenSearch's
  standard analyzer with `_x` as its only stop word) reads each of these as one
  token and leaves a position gap for `_x`, so a phrase query sees the positions
  that the reference sees. The standard tokenizer alone would split some words
  differently (each CJK ideograph is a token of its own).

A leaf under a key that contains a dot is not reachable by path (the reference's
rule), so it is indexed in `p` only, under the paths above that key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mozdef.events.schema import DATE_FIELDS, TEXT_FIELDS, Event
from mozdef.query.datemath import parse_instant
from mozdef.query.words import MAX_WORD_BYTES, words
from mozdef.store.opensearch import encoding

HIDDEN = "_mozdef"
# Where a document that the event's own mapping refused keeps the event (see `store`).
UNINDEXED = "_mozdef_unindexed"
DROPPED_WORD = "_x"
SEPARATOR = encoding.SEPARATOR
_DATES = frozenset(DATE_FIELDS)
_TEXTS = frozenset(TEXT_FIELDS)
_DATE, _TEXT = 1, 2
# An ASCII word in Unicode's sense: letters and digits (see mozdef.query.words).
_ASCII_WORD = re.compile(r"[a-z0-9]+")

Hidden = dict[str, list[Any]]


def to_document(doc_id: str, event: Event, *, indexed: bool = True) -> dict[str, Any]:
    """The body to index; with `indexed=False` the event is kept but not mapped."""
    hidden = hidden_fields(doc_id, event)
    if indexed:
        return {**event, HIDDEN: hidden}
    return {UNINDEXED: event, HIDDEN: hidden}


def to_event(source: Mapping[str, Any]) -> Event:
    """The event as it was sent, from a hit's `_source`."""
    kept = source.get(UNINDEXED)
    if isinstance(kept, dict) and len(source) == 1:
        return kept
    return dict(source)


def hidden_fields(doc_id: str, event: Event) -> Hidden:
    return _Leaves(doc_id).fields(event)


def summary_tokens(text: str) -> str:
    """The `w` text of one summary: its words, encoded, with `_x` for dropped ones."""
    if text.isascii():  # the common case, without the Unicode word rules
        tokens = [
            word if len(word) < MAX_WORD_BYTES else DROPPED_WORD
            for word in _ASCII_WORD.findall(text.lower())
        ]
        while tokens and tokens[-1] == DROPPED_WORD:
            tokens.pop()
        return " ".join(tokens)
    return _tokens(words(text), start=0)


def phrase_tokens(text: str) -> str:
    """The `w` phrase that matches `text`'s words at their relative positions; empty
    when `text` has no words."""
    found = words(text)
    return _tokens(found, start=found[0][0]) if found else ""


def _tokens(found: tuple[tuple[int, str], ...], *, start: int) -> str:
    if not found:
        return ""
    at = dict(found)
    positions = range(start, found[-1][0] + 1)
    return " ".join(_word_token(at[p]) if p in at else DROPPED_WORD for p in positions)


def _word_token(word: str) -> str:
    return word if word.isascii() else "_" + word.encode().hex()


class _Leaves:
    """One pass over an event, appending each leaf's terms to the lists they go in."""

    def __init__(self, doc_id: str) -> None:
        self.strings: list[str] = []
        self.numbers: list[str] = []
        self.booleans: list[str] = []
        self.dates: list[str] = []
        self.any_strings: list[str] = []
        self.any_numbers: list[str] = []
        self.any_booleans: list[str] = []
        self.words: list[str] = []
        self.present: list[str] = []
        self.times: dict[str, list[Any]] = {}
        self.doc_id = doc_id

    def fields(self, event: Event) -> Hidden:
        for key, value in event.items():
            name = str(key)
            reachable = "." not in name and SEPARATOR not in name
            if name in _DATES:
                found = self._top(value, name, reachable, _DATE)
            elif name in _TEXTS:
                found = self._top(value, name, reachable, _TEXT)
            else:
                found = self._walk(value, name, reachable, True)
            if found and reachable:
                self.present.append(name)
        named: Hidden = {
            "id": [self.doc_id],
            "s": self.strings,
            "n": self.numbers,
            "b": self.booleans,
            "d": self.dates,
            "as": self.any_strings,
            "an": self.any_numbers,
            "ab": self.any_booleans,
            "w": self.words,
            **self.times,
            "p": sorted(set(self.present)),
        }
        return {name: values for name, values in named.items() if values}

    def _top(self, value: Any, path: str, reachable: bool, kind: int) -> bool:
        """A date or text field: its own leaves are special, deeper ones are not
        (and are not unfielded, as the field's top is a date or text field)."""
        if isinstance(value, list):
            found = False
            for item in value:
                if self._top(item, path, reachable, kind):
                    found = True
            return found
        if isinstance(value, Mapping):
            return self._walk(value, path, reachable, kind == _TEXT)
        if value is None:
            return False
        if reachable:
            if kind == _DATE:
                self._date(path, value)
            elif isinstance(value, str):
                self.strings.append(f"{path}{SEPARATOR}{value}")
                self.words.append(summary_tokens(value))
            else:
                self._scalar(path, value, False)
        return True

    def _walk(self, value: Any, path: str, reachable: bool, unfielded: bool) -> bool:
        """Index every leaf under `value` at `path`; whether there is a non-null one."""
        kind = type(value)
        if kind is str:
            if reachable:
                self.strings.append(f"{path}{SEPARATOR}{value}")
                if unfielded:
                    self.any_strings.append(value)
            return True
        if kind is dict or (kind is not list and isinstance(value, Mapping)):
            found_any = False
            for key, item in value.items():
                name = key if type(key) is str else str(key)
                child = f"{path}.{name}"
                child_reachable = reachable and "." not in name and SEPARATOR not in name
                if self._walk(item, child, child_reachable, unfielded):
                    found_any = True
                    if child_reachable:
                        self.present.append(child)
            return found_any
        if kind is list or isinstance(value, list):
            found = False
            for item in value:
                if self._walk(item, path, reachable, unfielded):
                    found = True
            return found
        if value is None:
            return False
        if reachable:
            self._scalar(path, value, unfielded)
        return True

    def _scalar(self, path: str, value: Any, unfielded: bool) -> None:
        if isinstance(value, bool):
            text = "true" if value else "false"
            self.booleans.append(f"{path}{SEPARATOR}{text}")
            if unfielded:
                self.any_booleans.append(text)
        elif isinstance(value, (int, float)):
            try:
                encoded = encoding.number(float(value))
            except OverflowError:
                return
            if encoded is not None:
                self.numbers.append(f"{path}{SEPARATOR}{encoded}")
                if unfielded:
                    self.any_numbers.append(encoded)
        elif isinstance(value, str):
            self.strings.append(f"{path}{SEPARATOR}{value}")
            if unfielded:
                self.any_strings.append(value)

    def _date(self, path: str, value: Any) -> None:
        moment = parse_instant(value) if isinstance(value, str) else None
        if moment is None:
            return
        self.dates.append(f"{path}{SEPARATOR}{encoding.instant(moment)}")
        self.times.setdefault(path, []).append(encoding.micros(moment))
