"""Replace dots in keys by underscores, so that a key cannot be read as a path.

`details.a.b` as one key and `details.a` holding `b` are the same path to a
search engine; storing both breaks the mapping. Not in the default chain, for
the same reason as `lowercasekeys`: it changes field names.
"""

from __future__ import annotations

from mozdef.events.schema import Event
from mozdef.pipeline.plugin import BasePlugin, Metadata, PluginResult
from mozdef.pipeline.plugins.rename import rename_keys


def _undot(key: str) -> str:
    return key.replace(".", "_")


class RemoveDots(BasePlugin):
    name = "removedots"
    atomic = True
    priority = 2

    def onMessage(self, message: Event, metadata: Metadata) -> PluginResult:
        return rename_keys(message, _undot), metadata
