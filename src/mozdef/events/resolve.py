"""The general path of normalization: which key wins each field, and where the rest go.

`mozdef.events.normalize` documents the rules; this module applies them to any
raw object. Events already in MozDef's shape take a faster path there, which
must give the same result (a test holds them together).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from mozdef.events import keymap
from mozdef.events.schema import Event
from mozdef.events.timestamps import format_timestamp, is_canonical, parse_timestamp

INVALID_TIMESTAMP_TAG = "invalid-timestamp"
CONFLICTS_KEY = "conflicts"

DEFAULTS: Mapping[str, str] = {
    "category": "UNKNOWN",
    "source": "UNKNOWN",
    "summary": "",
    "hostname": "UNKNOWN",
    "severity": "INFO",
    "processname": "",
    "processid": "",
    "eventsource": "",
}

# A key's claim on a field: its rank in the field's precedence, its name, its value.
Candidate = tuple[int, str, Any]
Extras = list[tuple[str, Any]]

_ROUTES = keymap.route_cache()
_route_of = keymap.route_of
_FIELDS = frozenset(keymap.PRECEDENCE)
_MISSING = object()


def resolve(
    raw: Mapping[str, Any],
    *,
    event_id: str,
    received: datetime,
    received_text: str,
    mozdefhostname: str,
) -> Event:
    """The event of any raw object, by the rules of `mozdef.events.normalize`."""
    winners, contested, sections, extras = _route(raw)
    tags = _take_tags(_all("tags", winners, contested), extras)
    time_text = _take_time(_all("utctimestamp", winners, contested), received, extras, tags)
    time_text = time_text or received_text
    event_type = _take_type(winners, contested) if "category" in contested else "event"
    event: Event = {
        "id": event_id,
        "utctimestamp": time_text,
        "receivedtimestamp": received_text,
        "timestamp": time_text,
        "mozdefhostname": mozdefhostname,
    }
    for target, default in DEFAULTS.items():
        entry = winners.get(target)
        if entry is None:
            event[target] = default
        elif type(value := entry[2]) is str and value and target not in contested:
            event[target] = value
        else:
            event[target] = _take_scalar(target, _all(target, winners, contested), extras)
    event["severity"] = event["severity"].upper()
    event["tags"] = tags
    event["details"] = _build_details(sections, extras, event_id)
    event["type"] = event_type
    return event


def _route(
    raw: Mapping[str, Any],
) -> tuple[dict[str, Candidate], dict[str, list[Candidate]], list[Candidate], Extras]:
    """Each key as a field's first claim (winners), a later claim (contested), a part
    of details (sections), or a details entry (extras)."""
    winners: dict[str, Candidate] = {}
    contested: dict[str, list[Candidate]] = {}
    sections: list[Candidate] = []
    extras: Extras = []
    for key, value in raw.items():
        target, rank = _ROUTES.get(key) or _route_of(key)
        if target in _FIELDS:
            winner = winners.get(target)
            if winner is None:
                winners[target] = (rank, key, value)
            elif value != winner[2]:
                # A second key holding the winner's value adds nothing: it is not kept.
                contested.setdefault(target, []).append((rank, key, value))
        elif target == keymap.UNKNOWN:
            extras.append((key, value))
        elif target == keymap.SECTION:
            sections.append((rank, key, value))
        else:
            extras.append(("eventsourceipaddress", value))
    return winners, contested, sections, extras


def _all(
    target: str, winners: dict[str, Candidate], contested: dict[str, list[Candidate]]
) -> list[Candidate]:
    entry = winners.get(target)
    if entry is None:
        return []
    others = contested.get(target)
    if others is None:
        return [entry]
    return sorted([entry, *others], key=_rank)


def _take(found: list[Candidate], convert: Callable[[Any], Any]) -> tuple[Any, Extras]:
    """The converted value of the best usable candidate, and the others to keep."""
    chosen: Any = None
    chosen_raw: Any = None
    losers: Extras = []
    for _, key, value in found:
        if value is None or value == "":
            continue
        if chosen is None and (converted := convert(value)) is not None:
            chosen, chosen_raw = converted, value
            if isinstance(value, dict | list):
                losers.append((key, value))
        elif chosen is None or value != chosen_raw:
            losers.append((key, value))
    return chosen, losers


def _take_scalar(target: str, found: list[Candidate], extras: Extras) -> Any:
    chosen, losers = _take(found, _CONVERTERS[target])
    extras.extend(losers)
    return DEFAULTS[target] if chosen is None else chosen


def _take_time(
    found: list[Candidate], received: datetime, extras: Extras, tags: list[str]
) -> str | None:
    if not found:
        return None
    if len(found) == 1 and type(text := found[0][2]) is str:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            return text if is_canonical(text) else format_timestamp(moment)

    moment, losers = _take(found, lambda value: parse_timestamp(value, now=received))
    if moment is None and losers:
        # Nothing readable: the best-ranked value is recorded as the original.
        losers[0] = ("originaltimestamp", losers[0][1])
        tags.append(INVALID_TIMESTAMP_TAG)
    extras.extend(losers)
    return None if moment is None else format_timestamp(moment)


def _take_type(winners: dict[str, Candidate], contested: dict[str, list[Candidate]]) -> str:
    """A `type` that loses `category` to a better key becomes the event's type."""
    found = _all("category", winners, contested)
    position = next((i for i, (rank, _, _) in enumerate(found) if rank == keymap.TYPE_RANK), None)
    if position is None or not any(_text(v) for rank, _, v in found if rank < keymap.TYPE_RANK):
        return "event"
    value = found[position][2]
    if not isinstance(value, str) or not value:
        return "event"

    del found[position]
    winners["category"] = found[0]
    if len(found) > 1:
        contested["category"] = found[1:]
    else:
        del contested["category"]
    return value


def _take_tags(found: list[Candidate], extras: Extras) -> list[str]:
    tags: list[str] = []
    for _, key, value in found:
        if isinstance(value, str):
            tags.append(value)
        elif isinstance(value, list):
            tags.extend(str(tag) for tag in value if tag is not None)
        elif value is not None:
            extras.append((key, value))
    return tags


def _build_details(sections: list[Candidate], extras: Extras, event_id: str) -> dict[str, Any]:
    if len(sections) == 1 and sections[0][0] < keymap.FLAT_RANK and type(sections[0][2]) is dict:
        details = dict(sections[0][2])
    else:
        details = {}
        for rank, key, value in sorted(sections, key=_rank):
            if rank >= keymap.FLAT_RANK:
                _keep(details, *_flat_item(key, value))
            elif isinstance(value, dict):
                for name, item in value.items():
                    _keep(details, name, item)
            else:
                extras.append((key, value))

    for key, value in extras:
        if key == "id" and value == event_id:
            continue
        _keep(details, key[1:] if key[:1] == "@" else key, value)
    return details


def _flat_item(key: str, value: Any) -> tuple[str, Any]:
    name = key.partition(".")[2]
    if name.endswith("_int"):
        return name, _convert(value, int)
    if name.endswith("_float"):
        return name, _convert(value, float)
    return name, value


def _convert(value: Any, kind: Callable[[Any], Any]) -> Any:
    try:
        return kind(value)
    except (TypeError, ValueError, OverflowError):
        return value


def _keep(details: dict[str, Any], key: str, value: Any) -> None:
    current = details.get(key, _MISSING)
    if current is _MISSING:
        details[key] = value
    elif current != value:
        bucket = details.setdefault(CONFLICTS_KEY, {})
        if not isinstance(bucket, dict):
            bucket = details.setdefault(CONFLICTS_KEY + "_", {})
        bucket.setdefault(key, value)


def _rank(candidate: Candidate) -> int:
    return candidate[0]


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _upper_text(value: Any) -> str | None:
    text = _text(value)
    return None if text is None else text.upper()


def _host_name(value: Any) -> str | None:
    if isinstance(value, dict):
        name = value.get("hostname") or value.get("name")
        return name if isinstance(name, str) and name else None
    return _text(value)


def _process_id(value: Any) -> str | None:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _text(value)


_CONVERTERS: Mapping[str, Callable[[Any], str | None]] = {
    "category": _text,
    "source": _text,
    "hostname": _host_name,
    "severity": _upper_text,
    "summary": _text,
    "processname": _text,
    "processid": _process_id,
    "eventsource": _text,
}
