"""Cut very long strings, so that one runaway log line cannot bloat the store.

String values are cut, at any depth; keys and numbers are left alone. Lengths are
counted in characters, not bytes: counting bytes would mean encoding every string
of every event. A truncated event is tagged `truncated`, and
`details.truncatedfields` lists the paths that were cut, with their lengths.
"""

from __future__ import annotations

from typing import Any

import orjson

from mozdef.errors import ConfigError
from mozdef.events.schema import Event
from mozdef.pipeline.plugin import BasePlugin, Metadata, PluginResult

TRUNCATED_TAG = "truncated"
DEFAULT_MAX_LENGTH = 32 * 1024


class Truncate(BasePlugin):
    name = "truncate"
    atomic = True
    # Last, so that it also sees what the other plugins added.
    priority = 90

    def __init__(self, *, max_length: int = DEFAULT_MAX_LENGTH, priority: int | None = None):
        super().__init__(priority=priority)
        if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
            raise ConfigError("plugins.truncate.max_length", max_length, "a positive integer")
        self.max_length = max_length

    def onMessage(self, message: Event, metadata: Metadata) -> PluginResult:
        if _surely_short(message, self.max_length):
            return message, metadata
        found: list[_Long] = []
        _find_long(message, (), self.max_length, found)
        if not found:
            return message, metadata

        for container, key, _, _ in found:
            container[key] = container[key][: self.max_length]
        details = message.get("details")
        if isinstance(details, dict):
            details["truncatedfields"] = {path: length for _, _, path, length in found}
        tags = message.get("tags")
        if isinstance(tags, list) and TRUNCATED_TAG not in tags:
            tags.append(TRUNCATED_TAG)
        return message, metadata


def _surely_short(event: Event, limit: int) -> bool:
    """Whether the event's JSON is no longer than `limit` bytes, in which case no string
    in it can be longer than `limit` characters. Serializing is done in C, and costs
    about half of walking the event in Python."""
    try:
        return len(orjson.dumps(event)) <= limit
    except orjson.JSONEncodeError:
        return False


# A long string: its container, its key or index there, its dotted path, its length.
_Long = tuple[Any, Any, str, int]


def _find_long(value: Any, path: tuple[Any, ...], limit: int, found: list[_Long]) -> None:
    items: Any
    if type(value) is dict:
        items = value.items()
    elif type(value) is list:
        items = enumerate(value)
    else:
        return
    for key, item in items:
        kind = type(item)
        if kind is str:
            if len(item) > limit:
                found.append((value, key, ".".join(map(str, (*path, key))), len(item)))
        elif kind is dict or kind is list:
            _find_long(item, (*path, key), limit, found)
