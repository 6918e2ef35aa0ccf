from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mozdef.alerts.bus import MemoryBus, Payload
from mozdef.alerts.model import Alert, EventSample, StatusChange
from mozdef.alerts.store import AlertStore, from_document, to_document
from mozdef.errors import AlertError, AlertNotFoundError

from .builders import NOW, at, event, memory_store


def _alert(alert_id: str = "a1", **changes: Any) -> Alert:
    fields: dict[str, Any] = {
        "id": alert_id,
        "utctimestamp": NOW,
        "rule_id": "bruteforce_ssh.AlertBruteforceSsh",
        "summary": "12 ssh bruteforce attempts by 10.0.0.5",
        "category": "bruteforce",
        "severity": "NOTICE",
        "tags": ["ssh"],
        "count": 12,
        "events": [EventSample("e1", "events-20261201", event("e1", NOW))],
        "dedup_key": "10.0.0.5",
        "last_seen": NOW,
    }
    return Alert(**(fields | changes))


def test_the_stored_document_uses_mozdef_field_names() -> None:
    doc = to_document(_alert(url="https://wiki/ssh", channel="#sec", notify=True))

    assert doc["utctimestamp"] == "2026-12-01T12:00:00.000000+00:00"
    assert doc["events"][0]["documentid"] == "e1"
    assert doc["events"][0]["documentindex"] == "events-20261201"
    assert doc["events"][0]["documentsource"]["id"] == "e1"
    assert (doc["url"], doc["ircchannel"], doc["notify_mozdefbot"]) == (
        "https://wiki/ssh",
        "#sec",
        True,
    )
    assert (doc["rule_id"], doc["count"], doc["status"]) == (
        "bruteforce_ssh.AlertBruteforceSsh",
        12,
        "new",
    )


def test_a_document_reads_back_as_the_same_alert() -> None:
    alert = _alert(history=[StatusChange("acknowledged", "alice", at(5), "looking")])
    alert.status = "acknowledged"

    assert from_document("a1", to_document(alert)) == alert


def test_a_mozdef_alert_document_reads_with_defaults() -> None:
    mozdef_doc = {
        "utctimestamp": "2019-03-01T10:00:00+00:00",
        "severity": "WARNING",
        "summary": "failed logins",
        "category": "bruteforce",
        "tags": ["ssh"],
        "events": [{"documentid": "x", "documentindex": "events-20190301", "documentsource": {}}],
        "classname": "AlertBruteforceSsh",
        "status": "manual",
    }

    alert = from_document("m1", mozdef_doc)

    assert (alert.rule_id, alert.count, alert.status) == ("AlertBruteforceSsh", 1, "new")
    assert alert.last_seen == dt.datetime(2019, 3, 1, 10, tzinfo=dt.UTC)


def test_a_saved_alert_is_found_by_id() -> None:
    alerts = AlertStore(memory_store())

    alerts.save(_alert())

    assert alerts.get("a1").summary == "12 ssh bruteforce attempts by 10.0.0.5"


def test_an_unknown_id_is_an_alert_not_found_error() -> None:
    with pytest.raises(AlertNotFoundError):
        AlertStore(memory_store()).get("nope")


def test_without_commit_this_store_still_reads_its_own_writes() -> None:
    store = memory_store()
    alerts = AlertStore(store, commit=False)

    alerts.save(_alert())

    assert alerts.get("a1").count == 12
    assert AlertStore(store).find("a1") is None


def test_saving_again_replaces_the_alert() -> None:
    store = memory_store()
    alerts = AlertStore(store)

    alerts.save(_alert(count=1))
    alerts.save(_alert(count=2))

    page = alerts.search()
    assert (page.total, page.alerts[0].count) == (1, 2)


def test_alerts_live_in_the_monthly_alerts_index() -> None:
    store = memory_store()

    AlertStore(store).save(_alert())

    assert [info.name for info in store.indices()] == ["alerts-202612"]


def test_search_filters_by_status_rule_and_lucene_query() -> None:
    alerts = AlertStore(memory_store())
    alerts.save(_alert("a1"))
    alerts.save(_alert("a2", rule_id="other", summary="port scan"))
    alerts.save(_alert("a3", status="closed"))

    assert [a.id for a in alerts.search(status=["new"]).alerts] == ["a1", "a2"]
    assert [a.id for a in alerts.search(rule_id="other").alerts] == ["a2"]
    assert [a.id for a in alerts.search("summary:port").alerts] == ["a2"]


def test_a_status_change_is_recorded_with_who_when_and_why() -> None:
    alerts = AlertStore(memory_store())
    alerts.save(_alert())

    changed = alerts.set_status("a1", "acknowledged", by="alice", note="mine", now=at(3))

    assert changed.status == "acknowledged"
    assert alerts.get("a1").history == [StatusChange("acknowledged", "alice", at(3), "mine")]


def test_statuses_follow_the_allowed_transitions_in_order() -> None:
    alerts = AlertStore(memory_store())
    alerts.save(_alert())

    alerts.set_status("a1", "escalated", by="alice", now=at(1))
    alerts.set_status("a1", "closed", by="bob", now=at(2))
    reopened = alerts.set_status("a1", "new", by="bob", now=at(3))

    assert [change.status for change in reopened.history] == ["escalated", "closed", "new"]


def test_a_closed_alert_cannot_be_acknowledged() -> None:
    alerts = AlertStore(memory_store())
    alerts.save(_alert(status="closed"))

    with pytest.raises(AlertError, match="cannot go from closed to acknowledged"):
        alerts.set_status("a1", "acknowledged", by="alice")


def test_a_status_change_is_published_on_the_bus() -> None:
    bus = MemoryBus()
    heard: list[tuple[str, str]] = []

    def listen(topic: str, payload: Payload) -> None:
        heard.append((topic, payload["status"]))

    bus.subscribe(listen)
    alerts = AlertStore(memory_store(), bus=bus)
    alerts.save(_alert())
    alerts.set_status("a1", "closed", by="alice")

    assert heard == [("alert.status", "closed")]
