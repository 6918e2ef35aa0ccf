"""What a pipeline plugin is.

A plugin, as in MozDef, has `registration` (terms; see `mozdef.pipeline.matching`
for which events a plugin sees), `priority` (lower runs first) and
`onMessage(message, metadata) -> (message, metadata)`. Returning None as the
message drops the event. `metadata` holds `index` (the index family the document
goes to) and `id` (the document id); a plugin may change both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Protocol

from mozdef.events.schema import Event

Metadata = dict[str, Any]
PluginResult = tuple[Event | None, Metadata]

EVERY_EVENT = "*"

# Modules loaded from plugin folders are named with this prefix and the file's stem.
MODULE_PREFIX = "mozdef_plugin_"


class Plugin(Protocol):
    """What the pipeline needs of a plugin; MozDef's `message` classes qualify."""

    @property
    def registration(self) -> Sequence[str] | str: ...

    @property
    def priority(self) -> int: ...

    def onMessage(self, message: Event, metadata: Metadata) -> PluginResult: ...


class BasePlugin:
    """A base for plugins: registration and priority as class attributes, the
    priority overridable by an option.

    `atomic = True` promises that the plugin leaves the message and metadata as they
    were when it raises, so the pipeline need not copy the event before each call.
    The built-in plugins make that promise; a plugin that makes it wrongly loses
    the protection of the copy.
    """

    name: ClassVar[str] = ""
    atomic: ClassVar[bool] = False
    registration: Sequence[str] = (EVERY_EVENT,)
    priority: int = 50

    def __init__(self, *, priority: int | None = None) -> None:
        if priority is not None:
            self.priority = priority

    def onMessage(self, message: Event, metadata: Metadata) -> PluginResult:
        raise NotImplementedError


def plugin_name(plugin: object) -> str:
    """The name that counters and logs use for `plugin`."""
    name = getattr(plugin, "name", None)
    if isinstance(name, str) and name:
        return name
    cls = type(plugin)
    if cls.__name__ == "message":
        # MozDef style: the class is always `message`, the file names the plugin.
        return cls.__module__.rsplit(".", 1)[-1].removeprefix(MODULE_PREFIX)
    return cls.__name__
