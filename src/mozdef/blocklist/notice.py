"""Telling the web app's browsers that the block list changed.

`BusNotice` is a FirewallPush that publishes each change on the bus as
`blocklist.changed` (`{"action": "block" | "unblock", "ids": [...], "values": [...]}`)
and hands it on to the firewall push behind it, if any. Every process that changes
the list (the web app's API, the alert engine's block-IP action, the expiry pass)
publishes through it, so an open block list page reloads whoever made the change.
"""

from __future__ import annotations

from collections.abc import Sequence

from mozdef.alerts.bus import Bus
from mozdef.blocklist.model import BlockListEntry
from mozdef.blocklist.push import Action, FirewallPush, PushResult
from mozdef.bus.topics import BLOCKLIST_CHANGED


class BusNotice:
    def __init__(self, bus: Bus, *, firewall: FirewallPush | None = None) -> None:
        self.bus = bus
        self.firewall = firewall

    def push(self, added: Sequence[BlockListEntry]) -> PushResult:
        self._publish("block", added)
        return self.firewall.push(added) if self.firewall else PushResult(True, "published")

    def withdraw(self, removed: Sequence[BlockListEntry]) -> PushResult:
        self._publish("unblock", removed)
        return self.firewall.withdraw(removed) if self.firewall else PushResult(True, "published")

    def _publish(self, action: Action, entries: Sequence[BlockListEntry]) -> None:
        ids = [entry.id for entry in entries]
        values = [entry.value for entry in entries]
        self.bus.publish(BLOCKLIST_CHANGED, {"action": action, "ids": ids, "values": values})
