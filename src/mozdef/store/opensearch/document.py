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

from collections.abc import Mapping
from typing import Any

from mozdef.events.schema import DATE_FIELDS, TEXT_FIELDS, Event
from mozdef.query.datemath import parse_instant
from mozdef.query.words import words
from mozdef.store.opensearch import encoding

HIDDEN = "_mozdef"
# Where a document that the event's own mapping refused keeps the event (see `store`).
UNINDEXED = "_mozdef_unindexed"
DROPPED_WORD = "_x"

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
    fields: Hidden = {"id": [doc_id]}
    present: list[str] = []
    _walk(event, "", True, fields, present)
    fields["p"] = sorted(set(present))
    return {name: values for name, values in fields.items() if values}


def summary_tokens(text: str) -> str:
    """The `w` text of one summary: its words, encoded, with `_x` for dropped ones."""
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


def _walk(value: Any, path: str, reachable: bool, fields: Hidden, present: list[str]) -> bool:
    """Index every leaf under `value` at `path`; whether there is a non-null one."""
    if isinstance(value, list):
        found = [_walk(item, path, reachable, fields, present) for item in value]
        return any(found)
    if isinstance(value, Mapping):
        found_any = False
        for key, item in value.items():
            name = str(key)
            child = f"{path}.{name}" if path else name
            child_reachable = reachable and "." not in name and encoding.SEPARATOR not in name
            if _walk(item, child, child_reachable, fields, present):
                found_any = True
                if child_reachable:
                    present.append(child)
        return found_any
    if value is None:
        return False
    if reachable:
        _add_leaf(fields, path, value)
    return True


def _add_leaf(fields: Hidden, path: str, value: Any) -> None:
    top = path.split(".", 1)[0]
    if path in DATE_FIELDS:
        _add_date(fields, path, value)
        return
    unfielded = top not in DATE_FIELDS and path not in TEXT_FIELDS
    if isinstance(value, bool):
        _add(fields, "b", "ab", path, "true" if value else "false", unfielded)
    elif isinstance(value, (int, float)):
        _add_number(fields, path, value, unfielded)
    elif isinstance(value, str):
        _add(fields, "s", "as", path, value, unfielded)
        if path in TEXT_FIELDS:
            fields.setdefault("w", []).append(summary_tokens(value))


def _add(fields: Hidden, name: str, any_name: str, path: str, text: str, unfielded: bool) -> None:
    fields.setdefault(name, []).append(encoding.term(path, text))
    if unfielded:
        fields.setdefault(any_name, []).append(text)


def _add_number(fields: Hidden, path: str, value: float, unfielded: bool) -> None:
    try:
        text = encoding.number(float(value))
    except OverflowError:
        return
    if text is not None:
        _add(fields, "n", "an", path, text, unfielded)


def _add_date(fields: Hidden, path: str, value: Any) -> None:
    moment = parse_instant(value) if isinstance(value, str) else None
    if moment is None:
        return
    fields.setdefault("d", []).append(encoding.term(path, encoding.instant(moment)))
    fields.setdefault(path, []).append(encoding.micros(moment))
