"""Drop events that match configured criteria.

Option `criteria`: a list of objects mapping a field path to a value, e.g.
`[{"category": "syslog", "details.program": "cron"}]`. An event is dropped when
it matches every pair of at least one criterion. A path is read through nested
objects (`details.program` is `event["details"]["program"]`); values are compared
exactly, so `22` and `"22"` differ. Dropped events are counted per plugin by the
pipeline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mozdef.errors import ConfigError
from mozdef.events.schema import Event
from mozdef.pipeline.plugin import BasePlugin, Metadata, PluginResult

_OPTION = "plugins.drop.criteria"
_MISSING = object()

Criterion = tuple[tuple[tuple[str, ...], Any], ...]


class Drop(BasePlugin):
    name = "drop"
    atomic = True
    # Early, so dropped events cost the other plugins nothing; raise it to drop on
    # fields that parsing plugins add.
    priority = 5

    def __init__(
        self, *, criteria: Sequence[Mapping[str, Any]] = (), priority: int | None = None
    ) -> None:
        super().__init__(priority=priority)
        self.criteria = [_compile(criterion) for criterion in criteria]

    def onMessage(self, message: Event, metadata: Metadata) -> PluginResult:
        for criterion in self.criteria:
            if all(_lookup(message, path) == value for path, value in criterion):
                return None, metadata
        return message, metadata


def _compile(criterion: object) -> Criterion:
    if not isinstance(criterion, Mapping) or not criterion:
        raise ConfigError(_OPTION, criterion, "a non-empty object of field: value pairs")
    return tuple((tuple(str(path).split(".")), value) for path, value in criterion.items())


def _lookup(event: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = event
    for part in path:
        if not isinstance(value, Mapping):
            return _MISSING
        value = value.get(part, _MISSING)
    return value
