"""What the incidents API needs from the application: its two stores.

The web app puts one IncidentsContext in `app.state.incidents`; the routes of
mozdef.web.incidents_api take their stores from there.
"""

from __future__ import annotations

from dataclasses import dataclass

from mozdef.appdb.db import AppDb
from mozdef.incidents.incident_store import IncidentStore
from mozdef.incidents.investigation_store import InvestigationStore
from mozdef.incidents.store import ChangeHook


@dataclass(frozen=True)
class IncidentsContext:
    incidents: IncidentStore
    investigations: InvestigationStore


def incidents_context(
    db: AppDb,
    *,
    on_incident_change: ChangeHook | None = None,
    on_investigation_change: ChangeHook | None = None,
) -> IncidentsContext:
    """The stores over `db`; each hook hears of every change committed to its kind."""
    return IncidentsContext(
        incidents=IncidentStore(db, on_change=on_incident_change),
        investigations=InvestigationStore(db, on_change=on_investigation_change),
    )
