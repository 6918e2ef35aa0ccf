"""The bus between processes: alert changes, case edits and presence, from the
processes that make them to every web process, for the browsers (mozdef.web.live).

    bus = SharedBus(AppDb.from_settings(settings))
    bus.start(read=False)                      # a process that only publishes
    bus.publish(INCIDENT_CHANGED, {"id": incident_id, "fields": ["status"]})
"""

from mozdef.bus.message import LocalBus, Message, MessageBus
from mozdef.bus.shared import SharedBus
from mozdef.bus.topics import (
    ALERT_TOPICS,
    BLOCKLIST_CHANGED,
    INCIDENT_CHANGED,
    INVESTIGATION_CHANGED,
    PRESENCE,
    TOPICS,
)

__all__ = [
    "ALERT_TOPICS",
    "BLOCKLIST_CHANGED",
    "INCIDENT_CHANGED",
    "INVESTIGATION_CHANGED",
    "PRESENCE",
    "TOPICS",
    "LocalBus",
    "Message",
    "MessageBus",
    "SharedBus",
]
