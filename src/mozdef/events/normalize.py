"""Turning a shipper's JSON object into a MozDef event with every required field.

`mozdef.events.keymap` says which key feeds which field. Around it:

- Nothing is dropped. A key that maps to nothing, and a key that loses its field
  to a better-ranked one, is kept under `details` with its name as sent (minus a
  leading `@`), unless it holds the same value as the winner. A `type` that loses
  `category` to a better key becomes the event's `type` (otherwise `event`).
- None and "" count as absent. Scalar fields take strings and numbers (numbers
  become strings; severity is upper-cased). An object or list sent for a scalar
  field is kept under details; an object `host` (Beats, Vector) also gives
  `hostname` from its `hostname` or `name`. `tags` takes a string or a list.
- `details` and `fields` objects merge into details; flat keys `details.x` and
  `fields.x` become `details.x`, a name ending in `_int` or `_float` converted to
  that type when it can be (otherwise the string stays). `sourceip` becomes
  `details.eventsourceipaddress`.
- A time that cannot be read leaves `utctimestamp` and `timestamp` at the
  received time, keeps the value in `details.originaltimestamp` and tags the
  event `invalid-timestamp`. A missing time uses the received time, untagged.
- Defaults, as MozDef: category, source and hostname `UNKNOWN`; severity `INFO`;
  summary, processname, processid and eventsource empty strings.
- Details keep the first value written to a key, in this order: the `details`
  object, the `fields` object, flat `details.x`, flat `fields.x`, then the other
  keys. A different later value for a taken key goes to `details.conflicts.<key>`.

The event shares nested values (below `details`) with `raw`; `raw` itself is not
modified.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from operator import itemgetter
from typing import Any

from mozdef.events.resolve import CONFLICTS_KEY, DEFAULTS, INVALID_TIMESTAMP_TAG, resolve
from mozdef.events.schema import REQUIRED_FIELDS, Event
from mozdef.events.timestamps import format_timestamp, is_canonical

__all__ = ["CONFLICTS_KEY", "DEFAULTS", "INVALID_TIMESTAMP_TAG", "normalize"]

_NO_DETAILS: dict[str, Any] = {}
_NO_TAGS: list[str] = []
_SIMPLE_KEYS = frozenset((*DEFAULTS, "utctimestamp", "timestamp", "tags", "details"))
_SIMPLE_TEMPLATE: dict[str, Any] = {
    field: DEFAULTS.get(field, "event" if field == "type" else None) for field in REQUIRED_FIELDS
}
_SCALARS = itemgetter(*DEFAULTS)
_last_received: tuple[datetime | None, str] = (None, "")


def normalize(
    raw: Mapping[str, Any], *, event_id: str, received: datetime, mozdefhostname: str
) -> Event:
    """The stored form of `raw`."""
    received_text = _received_text(received)
    if raw.keys() <= _SIMPLE_KEYS:
        event = _normalize_simple(raw, event_id, received_text, mozdefhostname)
        if event is not None:
            return event
    return resolve(
        raw,
        event_id=event_id,
        received=received,
        received_text=received_text,
        mozdefhostname=mozdefhostname,
    )


def _normalize_simple(
    raw: Mapping[str, Any], event_id: str, received_text: str, mozdefhostname: str
) -> Event | None:
    """The fast path, for events already in MozDef's shape: every key a field name,
    every scalar a non-empty string, `tags` a list of strings, `details` an object,
    one readable time. It gives exactly what `resolve` gives; None otherwise."""
    get = raw.get
    details = get("details", _NO_DETAILS)
    tags = get("tags", _NO_TAGS)
    if type(details) is not dict or type(tags) is not list or "" in raw.values():
        return None
    time_text = _simple_time(raw)
    if time_text is None:
        return None
    # Defaults, then the event's own fields, merged in C in schema order.
    event = {**_SIMPLE_TEMPLATE, **raw}
    try:
        # str.join refuses anything but strings: a type check of every field at C speed.
        "".join(_SCALARS(event))
        "".join(tags)
    except TypeError:
        return None

    time_text = time_text or received_text
    event["id"] = event_id
    event["utctimestamp"] = time_text
    event["receivedtimestamp"] = received_text
    event["timestamp"] = time_text
    event["mozdefhostname"] = mozdefhostname
    event["severity"] = event["severity"].upper()
    event["tags"] = list(tags)
    event["details"] = dict(details)
    return event


def _simple_time(raw: Mapping[str, Any]) -> str | None:
    """The stored time of a fast-path event, "" when it has none, None when the event
    needs the general path."""
    text = raw.get("utctimestamp")
    other = raw.get("timestamp")
    if text is None:
        text = other
    elif other is not None and other != text:
        return None
    if text is None:
        return ""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return text if is_canonical(text) else format_timestamp(moment)


def _received_text(received: datetime) -> str:
    # Events of one batch share their received time: format it once.
    global _last_received
    last = _last_received
    if last[0] == received:
        return last[1]
    text = format_timestamp(received)
    _last_received = (received, text)
    return text
