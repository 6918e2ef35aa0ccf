"""The pipeline: a raw object in, a stored document and its metadata out.

Events (`kind='event'`) are normalized, then offered to the plugins that want
them in priority order. Custom documents (`kind='custom'`, from
`/custom/{application}`) are kept as sent, stamped with `id`,
`receivedtimestamp` and `utctimestamp`, and stored in the application's index;
plugins see them too.

Each plugin call is isolated: a plugin that raises, or returns something other
than `(message or None, metadata dict)`, is counted and logged, and the event
goes on as it was before that call. Built-in plugins promise to leave the event
untouched when they fail (`atomic`); for any other plugin the event is copied
before the call so that it can be restored.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from mozdef.events import keymap
from mozdef.events.normalize import normalize
from mozdef.events.schema import Event
from mozdef.events.timestamps import format_timestamp, parse_timestamp
from mozdef.logfmt import fields
from mozdef.pipeline.matching import Entry, PluginIndex
from mozdef.pipeline.plugin import Metadata, Plugin

logger = logging.getLogger(__name__)

EVENTS_INDEX = "events"


@dataclass
class PipelineStats:
    processed: int = 0
    dropped_by_plugin: Counter[str] = field(default_factory=Counter)
    plugin_errors: Counter[str] = field(default_factory=Counter)


class Pipeline:
    def __init__(self, plugins: Sequence[Plugin], *, mozdefhostname: str) -> None:
        self._index = PluginIndex(plugins)
        self._mozdefhostname = mozdefhostname
        self.stats = PipelineStats()

    @property
    def plugins(self) -> list[str]:
        """Plugin names in run order."""
        return [entry.name for entry in self._index.entries]

    def process(
        self,
        raw: Mapping[str, Any],
        *,
        event_id: str,
        received: datetime,
        kind: Literal["event", "custom"] = "event",
        application: str | None = None,
    ) -> tuple[Event, Metadata] | None:
        """The document to store and its metadata (`index`, `id`); None when a plugin
        dropped it."""
        self.stats.processed += 1
        if kind == "event":
            event = normalize(
                raw, event_id=event_id, received=received, mozdefhostname=self._mozdefhostname
            )
            metadata = {"index": EVENTS_INDEX, "id": event_id}
        elif kind == "custom" and application:
            event = stamp_custom(raw, event_id=event_id, received=received)
            metadata = {"index": application, "id": event_id}
        else:
            raise ValueError(f"cannot process kind={kind!r} application={application!r}")
        return self._run(event, metadata, event_id, normalized=kind == "event")

    def _run(
        self, event: Event, metadata: Metadata, event_id: str, *, normalized: bool
    ) -> tuple[Event, Metadata] | None:
        for entry in self._index.matching(event, normalized=normalized):
            if not entry.atomic:
                saved = (_copy(event), dict(metadata))
            try:
                message, new_metadata = entry.call(event, metadata)
                if (message is not None and type(message) is not dict) or type(
                    new_metadata
                ) is not dict:
                    raise TypeError(_bad_result(message, new_metadata))
            except Exception as exc:
                # The isolation boundary of one plugin call: count, log, go on unchanged.
                self._failed(entry, exc, event_id)
                if not entry.atomic:
                    event, metadata = saved
                continue
            if message is None:
                self.stats.dropped_by_plugin[entry.name] += 1
                logger.debug("plugin.drop", extra=fields(plugin=entry.name, event_id=event_id))
                return None
            event, metadata = message, new_metadata
        return event, metadata

    def _failed(self, entry: Entry, exc: Exception, event_id: str) -> None:
        self.stats.plugin_errors[entry.name] += 1
        logger.warning(
            "plugin.error", extra=fields(plugin=entry.name, event_id=event_id, error=repr(exc))
        )
        logger.debug("plugin.traceback", exc_info=exc)


def stamp_custom(raw: Mapping[str, Any], *, event_id: str, received: datetime) -> Event:
    """A custom document as sent, plus `id`, `receivedtimestamp` and `utctimestamp`
    (its own time when one of the time keys holds one, else the received time).
    A `utctimestamp` that cannot be read is kept as `originalutctimestamp`."""
    document = dict(raw)
    moment = _document_time(raw, received)
    sent = document.get("utctimestamp")
    if sent is not None and parse_timestamp(sent, now=received) is None:
        document["originalutctimestamp"] = sent
    document["id"] = event_id
    document["receivedtimestamp"] = format_timestamp(received)
    document["utctimestamp"] = format_timestamp(moment or received)
    return document


def _document_time(raw: Mapping[str, Any], received: datetime) -> datetime | None:
    candidates: list[tuple[int, Any]] = []
    for key, value in raw.items():
        target, rank = keymap.route_of(key)
        if target == "utctimestamp":
            candidates.append((rank, value))
    candidates.sort(key=lambda candidate: candidate[0])
    for _, value in candidates:
        moment = parse_timestamp(value, now=received)
        if moment is not None:
            return moment
    return None


def _bad_result(message: object, metadata: object) -> str:
    found = f"({type(message).__name__}, {type(metadata).__name__})"
    return f"onMessage returned {found}, expected (dict or None, dict)"


def _copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data, much faster than `copy.deepcopy` on it."""
    kind = type(value)
    if kind is dict:
        return {key: _copy(item) for key, item in value.items()}
    if kind is list:
        return [_copy(item) for item in value]
    return value
