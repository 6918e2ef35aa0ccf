"""Incidents and investigations: the cases incident handlers work on together.

An incident follows MozDef's model (phases, dates, VERIS tags, theories, timeline,
mitigations, lessons learned) with ATT&CK techniques, typed indicators and links to
alerts and events; an investigation is the lighter case that can become one. Both
live in the application database, each field with a version of its own so that
several handlers can edit one case at once without losing each other's changes.
"""

from mozdef.incidents.context import IncidentsContext, incidents_context
from mozdef.incidents.incident_store import IncidentStore
from mozdef.incidents.investigation_store import InvestigationStore
from mozdef.incidents.model import (
    CasePage,
    CaseSummary,
    FieldChange,
    HistoryEntry,
    Incident,
    Investigation,
    ItemChange,
)
from mozdef.incidents.store import ChangeHook

__all__ = [
    "CasePage",
    "CaseSummary",
    "ChangeHook",
    "FieldChange",
    "HistoryEntry",
    "Incident",
    "IncidentStore",
    "IncidentsContext",
    "Investigation",
    "InvestigationStore",
    "ItemChange",
    "incidents_context",
]
