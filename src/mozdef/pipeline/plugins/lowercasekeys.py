"""Lower-case every key of the event, as MozDef's `lowercasekeys` plugin did.

Not in the default chain: it changes the field names users search on, so it is a
choice to make when setting up a deployment rather than a silent default.
"""

from __future__ import annotations

from mozdef.events.schema import Event
from mozdef.pipeline.plugin import BasePlugin, Metadata, PluginResult
from mozdef.pipeline.plugins.rename import rename_keys


class LowercaseKeys(BasePlugin):
    name = "lowercasekeys"
    atomic = True
    priority = 1

    def onMessage(self, message: Event, metadata: Metadata) -> PluginResult:
        return rename_keys(message, str.lower), metadata
