"""Investigations: the lighter case, and its promotion to an incident.

Promoting an investigation makes, in one transaction, an incident with the
investigation's summary, description, assignee, notes, indicators and linked alerts
and events (items keep their ids, authors and times), opened at the promotion by
whoever promotes it. The incident names the investigation (`investigation`), the
investigation names the incident (`incident`) and is closed if it was open. An
investigation is promoted once; promoting it again is refused.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import Table

from mozdef.errors import CaseError
from mozdef.incidents.fields import INVESTIGATION, FieldSet
from mozdef.incidents.incident_store import DEFAULT_PAGE, IncidentStore
from mozdef.incidents.model import CasePage, Incident, Investigation
from mozdef.incidents.store import CaseStore, Change
from mozdef.incidents.tables import investigations

CARRIED = ("summary", "description", "assignee", "notes", "indicators", "alerts", "events")


class InvestigationStore(CaseStore[Investigation]):
    spec: ClassVar[FieldSet] = INVESTIGATION
    table: ClassVar[Table] = investigations
    model = Investigation

    def list(
        self,
        *,
        status: str | None = None,
        assignee: str | None = None,
        text: str | None = None,
        limit: int = DEFAULT_PAGE,
        offset: int = 0,
    ) -> CasePage:
        """A page of investigations, the latest opened first."""
        conditions = self._common_conditions(status=status, assignee=assignee, text=text)
        return self._page(conditions, limit, offset)

    def promote(self, investigation_id: str, *, into: IncidentStore, by: str) -> Incident:
        """Make an incident of the investigation; CaseError (problem `state`) when it
        was promoted already."""
        stamp = self._stamp(by)
        with self._db.begin_write() as connection:
            current = self._locked(connection, investigation_id)
            if current.incident:
                raise CaseError(
                    self.kind,
                    investigation_id,
                    "incident",
                    f"already promoted to incident {current.incident}",
                    problem="state",
                )
            carried: dict[str, Any] = {name: getattr(current, name) for name in CARRIED}
            values = into._defaults(stamp) | carried | {"investigation": current.id}
            incident = into._insert(connection, values, stamp)
            changes: dict[str, Any] = {"incident": incident.id}
            history: list[Change] = [("incident", "promote", None, incident.id)]
            if current.status == "open":
                changes["status"] = "closed"
                history.append(("status", "set", "open", "closed"))
            promoted = self._write(connection, current, changes, stamp, history)
        into._created(incident, stamp.by)
        self._changed(promoted, changes, stamp.by, "promote")
        return incident
