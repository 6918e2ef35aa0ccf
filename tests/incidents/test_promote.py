from __future__ import annotations

import pytest

from mozdef.errors import CaseError
from mozdef.incidents import IncidentStore, InvestigationStore


def test_promoting_makes_an_incident_of_the_investigations_content(
    incidents: IncidentStore, investigations: InvestigationStore
) -> None:
    made = investigations.create(
        {
            "summary": "Odd logins for jdoe",
            "description": "Logins from two countries within an hour",
            "assignee": "bob",
            "notes": ["seen by the geomodel alert"],
            "indicators": [{"type": "account", "value": "jdoe"}],
            "alerts": ["a1"],
            "events": [{"index": "events-20261201", "event_id": "e1"}],
        },
        by="alice",
    )

    incident = investigations.promote(made.id, into=incidents, by="carol")

    found = incidents.get(incident.id)
    assert (found.summary, found.description, found.assignee) == (
        "Odd logins for jdoe",
        "Logins from two countries within an hour",
        "bob",
    )
    assert (found.notes, found.indicators) == (made.notes, made.indicators)
    assert (found.alerts, found.events) == (made.alerts, made.events)
    assert (found.creator, found.investigation) == ("carol", made.id)


def test_a_promoted_investigation_names_its_incident_and_is_closed(
    incidents: IncidentStore, investigations: InvestigationStore
) -> None:
    made = investigations.create({"summary": "Odd logins"}, by="alice")

    incident = investigations.promote(made.id, into=incidents, by="carol")

    after = investigations.get(made.id)
    assert (after.incident, after.status) == (incident.id, "closed")
    assert (after.versions["incident"], after.versions["status"]) == (2, 2)
    actions = [(e.field, e.action, e.actor) for e in investigations.history(made.id)][1:]
    assert actions == [("incident", "promote", "carol"), ("status", "set", "carol")]


def test_an_investigation_is_promoted_once(
    incidents: IncidentStore, investigations: InvestigationStore
) -> None:
    made = investigations.create({"summary": "Odd logins"}, by="alice")
    first = investigations.promote(made.id, into=incidents, by="carol")

    with pytest.raises(CaseError, match=f"already promoted to incident {first.id}") as caught:
        investigations.promote(made.id, into=incidents, by="carol")

    assert caught.value.problem == "state"
    assert incidents.list().total == 1
