from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from typing import Any

import pytest

from mozdef.appdb import AppDb
from mozdef.errors import CaseConflictError, CaseError, CaseNotFoundError
from mozdef.incidents import FieldChange, IncidentStore

OPENED = "2026-12-01T08:00:00+00:00"


def _new(store: IncidentStore, **values: Any) -> str:
    return store.create({"summary": "Brute force on the VPN", **values}, by="alice").id


def test_a_new_incident_has_mozdefs_defaults_and_every_field_at_version_1(
    incidents: IncidentStore,
) -> None:
    made = incidents.create({"summary": "  Brute force on the VPN  "}, by="alice")
    found = incidents.get(made.id)

    assert found == made
    assert (found.summary, found.phase, found.status) == (
        "Brute force on the VPN",
        "identification",
        "open",
    )
    assert (found.creator, found.assignee, found.closed) == ("alice", None, None)
    assert set(found.versions.values()) == {1}


def test_a_new_incident_needs_a_summary(incidents: IncidentStore) -> None:
    with pytest.raises(CaseError, match="new incident: summary: is required"):
        incidents.create({"description": "no summary"}, by="alice")


def test_a_new_incident_refuses_an_unknown_or_server_set_field(incidents: IncidentStore) -> None:
    with pytest.raises(CaseError, match="severity: unknown field; expected one of summary"):
        incidents.create({"summary": "s", "severity": "high"}, by="alice")
    with pytest.raises(CaseError, match="creator: is set by the server"):
        incidents.create({"summary": "s", "creator": "mallory"}, by="alice")


def test_a_bad_value_names_the_field_and_the_problem(incidents: IncidentStore) -> None:
    with pytest.raises(CaseError, match="phase: expected one of identification") as caught:
        incidents.create({"summary": "s", "phase": "panic"}, by="alice")

    assert (caught.value.field, caught.value.problem) == ("phase", "invalid")


def test_an_unknown_incident_is_not_found(incidents: IncidentStore) -> None:
    with pytest.raises(CaseNotFoundError, match="incident nope: no such incident"):
        incidents.get("nope")


def test_two_editors_changing_different_fields_both_keep_their_change(
    incidents: IncidentStore,
) -> None:
    case_id = _new(incidents)

    incidents.update(case_id, {"summary": FieldChange("VPN brute force", 1)}, by="alice")
    incidents.update(case_id, {"phase": FieldChange("containment", 1)}, by="bob")
    found = incidents.get(case_id)

    assert (found.summary, found.phase) == ("VPN brute force", "containment")
    assert (found.versions["summary"], found.versions["phase"]) == (2, 2)


def test_a_change_based_on_an_old_version_is_refused_with_the_current_value(
    incidents: IncidentStore,
) -> None:
    case_id = _new(incidents)
    incidents.update(case_id, {"summary": FieldChange("alice's summary", 1)}, by="alice")

    with pytest.raises(CaseConflictError) as caught:
        incidents.update(case_id, {"summary": FieldChange("bob's summary", 1)}, by="bob")

    assert caught.value.current == {"summary": ("alice's summary", 2)}
    assert incidents.get(case_id).summary == "alice's summary"


def test_a_refused_update_saves_none_of_its_fields(incidents: IncidentStore) -> None:
    case_id = _new(incidents)
    incidents.update(case_id, {"summary": FieldChange("alice's summary", 1)}, by="alice")
    stale = {"summary": FieldChange("bob's", 1), "description": FieldChange("bob's text", 1)}

    with pytest.raises(CaseConflictError):
        incidents.update(case_id, stale, by="bob")

    found = incidents.get(case_id)
    assert (found.description, found.versions["description"]) == ("", 1)


def test_setting_the_same_value_again_changes_no_version(incidents: IncidentStore) -> None:
    case_id = _new(incidents, phase="containment")

    found = incidents.update(case_id, {"phase": FieldChange("Containment", 1)}, by="bob")

    assert found.versions["phase"] == 1
    assert len(incidents.history(case_id)) == 1


def test_closing_an_incident_sets_its_closed_date(appdb: AppDb) -> None:
    moment = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)
    store = IncidentStore(appdb, clock=lambda: moment)
    case_id = _new(store)

    found = store.update(case_id, {"status": FieldChange("closed", 1)}, by="alice")

    assert (found.closed, found.versions["closed"]) == (moment, 2)


def test_appends_based_on_any_version_never_conflict(incidents: IncidentStore) -> None:
    case_id = _new(incidents)

    incidents.append(case_id, "notes", "alice's note", by="alice")
    incidents.append(case_id, "notes", {"text": "bob's note"}, by="bob")
    found = incidents.get(case_id)

    assert [(note.by, note.text) for note in found.notes] == [
        ("alice", "alice's note"),
        ("bob", "bob's note"),
    ]
    assert found.versions["notes"] == 3


def test_appends_from_many_threads_are_all_kept(incidents: IncidentStore) -> None:
    case_id = _new(incidents)

    def add(who: str) -> None:
        for number in range(5):
            incidents.append(
                case_id, "timeline", {"time": OPENED, "text": f"{who} {number}"}, by=who
            )

    threads = [threading.Thread(target=add, args=(who,)) for who in ("alice", "bob", "carol")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    found = incidents.get(case_id)
    assert len(found.timeline) == 15
    assert found.versions["timeline"] == 16


def test_appending_a_tag_that_is_there_returns_it_unchanged(incidents: IncidentStore) -> None:
    case_id = _new(incidents, veris=["action.hacking.variety.Brute force"])

    again = incidents.append(case_id, "veris", "action.hacking.variety.brute force", by="bob")

    assert (again.changed, again.version, again.item.by) == (False, 1, "alice")


def test_removing_an_item_by_id_keeps_the_others(incidents: IncidentStore) -> None:
    case_id = _new(incidents)
    first = incidents.append(case_id, "references", "https://example.com/ticket/1", by="alice")
    incidents.append(case_id, "references", "https://example.com/ticket/2", by="alice")

    removed = incidents.remove(case_id, "references", first.item.id, by="bob")

    assert removed.item == first.item
    assert [ref.text for ref in incidents.get(case_id).references] == [
        "https://example.com/ticket/2"
    ]


def test_removing_an_unknown_item_is_not_found(incidents: IncidentStore) -> None:
    case_id = _new(incidents)

    with pytest.raises(CaseError, match="notes: no item 'gone'") as caught:
        incidents.remove(case_id, "notes", "gone", by="bob")

    assert caught.value.problem == "not_found"


def test_a_list_operation_on_a_scalar_field_is_refused(incidents: IncidentStore) -> None:
    case_id = _new(incidents)

    with pytest.raises(CaseError, match="summary: not a list field; expected one of veris"):
        incidents.append(case_id, "summary", "x", by="bob")


def test_the_history_keeps_who_changed_what_when_in_order(appdb: AppDb) -> None:
    moment = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)
    store = IncidentStore(appdb, clock=lambda: moment)
    case_id = _new(store)
    store.update(case_id, {"summary": FieldChange("VPN brute force", 1)}, by="bob")
    note = store.append(case_id, "notes", "blocked at the edge", by="carol")
    store.remove(case_id, "notes", note.item.id, by="dave")

    entries = [
        (e.actor, e.field, e.action, e.old, e.new, e.version) for e in store.history(case_id)
    ]

    assert entries[0][:3] == ("alice", "", "create")
    assert entries[1] == ("bob", "summary", "set", "Brute force on the VPN", "VPN brute force", 2)
    assert entries[2] == ("carol", "notes", "append", None, note.item.to_json(), 2)
    assert entries[3] == ("dave", "notes", "remove", note.item.to_json(), None, 3)
    assert {e.at for e in store.history(case_id)} == {moment}


def test_the_history_of_an_unknown_incident_is_not_found(incidents: IncidentStore) -> None:
    with pytest.raises(CaseNotFoundError):
        incidents.history("nope")


def test_the_hook_hears_each_committed_change_with_its_versions(appdb: AppDb) -> None:
    heard: list[tuple[str, Mapping[str, Any], Mapping[str, int]]] = []
    store = IncidentStore(appdb, on_change=lambda *change: heard.append(change))
    case_id = _new(store)

    store.update(case_id, {"assignee": FieldChange("bob", 1)}, by="alice")
    with pytest.raises(CaseConflictError):
        store.update(case_id, {"assignee": FieldChange("carol", 1)}, by="carol")

    assert len(heard) == 2
    assert heard[0][1]["summary"] == "Brute force on the VPN"
    assert heard[1] == (case_id, {"assignee": "bob"}, {"assignee": 2})


def test_a_failing_hook_does_not_undo_the_change(appdb: AppDb) -> None:
    def broken(*_: Any) -> None:
        raise RuntimeError("bus down")

    store = IncidentStore(appdb, on_change=broken)
    case_id = _new(store)

    store.update(case_id, {"assignee": FieldChange("bob", 1)}, by="alice")

    assert store.get(case_id).assignee == "bob"
