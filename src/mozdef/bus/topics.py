"""The topics of the shared bus: what changed, for the web app to push to browsers.

The alert topics are those of the alert engine (mozdef.alerts.bus). The others:
- `incident.changed`, `investigation.changed`: a case was created or edited; the
  payload names the case (`id`) and what changed;
- `blocklist.changed`: an entry of a block list was added, changed or removed;
- `presence`: who is viewing or editing which incident (see mozdef.bus.presence);
  short-lived, refreshed by the browser while the page is open.
"""

from __future__ import annotations

from mozdef.alerts.bus import ALERT_CREATED, ALERT_STATUS, ALERT_UPDATED

INCIDENT_CHANGED = "incident.changed"
INVESTIGATION_CHANGED = "investigation.changed"
BLOCKLIST_CHANGED = "blocklist.changed"
PRESENCE = "presence"

ALERT_TOPICS = (ALERT_CREATED, ALERT_UPDATED, ALERT_STATUS)
TOPICS = (*ALERT_TOPICS, INCIDENT_CHANGED, INVESTIGATION_CHANGED, BLOCKLIST_CHANGED, PRESENCE)

# The `topic` column's width: a longer topic is refused on publish.
MAX_TOPIC_LENGTH = 64
