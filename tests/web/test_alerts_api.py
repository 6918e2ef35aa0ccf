"""`/api/v1/alerts`: listing with filters, one alert, and status changes through the relay."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from mozdef.alerts.actions.records import AppDbDeliveryLog, DeliveryRecord, DeliveryStatus
from tests.alerts.builders import draft

from .api_builders import Api, running_api


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with running_api(tmp_path) as running:
        yield running


def summaries(api: Api, **params: str | list[str]) -> list[str]:
    response = api.client.get("/api/v1/alerts", params=params)
    assert response.status_code == 200, response.text
    return [alert["summary"] for alert in response.json()["alerts"]]


def test_list_answers_every_alert_newest_first_with_the_total(api: Api) -> None:
    api.add(draft(summary="older", dedup_key="a"), minutes=-5)
    api.add(draft(summary="newer", dedup_key="b"), minutes=-1)

    body = api.client.get("/api/v1/alerts").json()

    assert body["total"] == 2
    assert [alert["summary"] for alert in body["alerts"]] == ["newer", "older"]


def test_list_filters_by_status_given_repeated_or_as_a_comma_list(api: Api) -> None:
    api.add(draft(summary="open"), minutes=-3)
    closed = api.add(draft(summary="closed"), minutes=-2)
    acked = api.add(draft(summary="acked"), minutes=-1)
    api.written.set_status(closed.id, "closed", by="alice")
    api.written.set_status(acked.id, "acknowledged", by="alice")

    assert summaries(api, status="closed,acknowledged") == ["acked", "closed"]
    assert summaries(api, status=["new", "closed"]) == ["closed", "open"]


def test_list_filters_by_severity_whatever_its_case(api: Api) -> None:
    api.add(draft(summary="warning", severity="WARNING"), minutes=-2)
    api.add(draft(summary="critical", severity="CRITICAL"), minutes=-1)

    assert summaries(api, severity="critical") == ["critical"]


def test_list_filters_by_category_and_rule(api: Api) -> None:
    api.add(draft(summary="a", rule_id="r1", category="bruteforce"), minutes=-3)
    api.add(draft(summary="b", rule_id="r2", category="bruteforce"), minutes=-2)
    api.add(draft(summary="c", rule_id="r2", category="portscan"), minutes=-1)

    assert summaries(api, category="bruteforce", rule="r2") == ["b"]


def test_list_keeps_alerts_created_between_start_and_end(api: Api) -> None:
    api.add(draft(summary="early"), minutes=-30)
    api.add(draft(summary="middle"), minutes=-10)
    api.add(draft(summary="late"), minutes=0)

    found = summaries(api, start="2026-12-01T11:45:00Z", end="2026-12-01T11:55:00Z")

    assert found == ["middle"]


def test_list_filters_with_a_lucene_query(api: Api) -> None:
    api.add(draft(summary="ssh from 10.0.0.1", details={"ip": "10.0.0.1"}), minutes=-2)
    api.add(draft(summary="ssh from 10.0.0.2", details={"ip": "10.0.0.2"}), minutes=-1)

    assert summaries(api, q="details.ip:10.0.0.1") == ["ssh from 10.0.0.1"]


def test_list_pages_with_size_and_from(api: Api) -> None:
    for n in range(5):
        api.add(draft(summary=f"alert {n}", dedup_key=str(n)), minutes=n - 10)

    body = api.client.get("/api/v1/alerts", params={"size": "2", "from": "1"}).json()

    assert body["total"] == 5
    assert [alert["summary"] for alert in body["alerts"]] == ["alert 3", "alert 2"]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"status": "open"}, "status must be one of new, acknowledged, escalated, closed"),
        ({"severity": "loud"}, "severity must be one of INFO, NOTICE"),
        ({"size": "1001"}, "size must be a whole number from 0 to 1000"),
        ({"from": "-1"}, "from must be a whole number"),
        ({"start": "yesterday"}, "start must be an ISO 8601 time"),
        ({"end": "soon"}, "end must be an ISO 8601 time"),
        ({"start": "1h", "end": "2h"}, "is before start"),
    ],
)
def test_list_refuses_bad_parameters_naming_them(
    api: Api, params: dict[str, str], named: str
) -> None:
    response = api.client.get("/api/v1/alerts", params=params)

    assert response.status_code == 400
    assert named in response.json()["error"]["message"]


def test_list_refuses_a_query_with_a_syntax_error_naming_its_position(api: Api) -> None:
    response = api.client.get("/api/v1/alerts", params={"q": "summary:(ssh"})

    assert response.status_code == 400
    problem = response.json()["error"]
    assert (problem["type"], problem["parameter"], problem["position"]) == ("query_syntax", "q", 12)


def test_get_answers_the_alert_document(api: Api) -> None:
    alert = api.add(draft(summary="one alert", rule_id="r9"))

    body = api.client.get(f"/api/v1/alerts/{alert.id}").json()

    assert (body["id"], body["summary"], body["rule_id"], body["status"]) == (
        alert.id,
        "one alert",
        "r9",
        "new",
    )


def test_get_of_a_missing_alert_is_404(api: Api) -> None:
    response = api.client.get("/api/v1/alerts/nosuch")

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "alert nosuch: no such alert"


def test_ack_changes_the_status_and_records_the_note_by_anonymous(api: Api) -> None:
    alert = api.add(draft())

    response = api.client.post(f"/api/v1/alerts/{alert.id}/ack", json={"note": "on it"})

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "acknowledged"
    assert [(h["status"], h["by"], h["note"]) for h in body["history"]] == [
        ("acknowledged", "anonymous", "on it")
    ]
    assert api.written.get(alert.id).status == "acknowledged"


def test_a_change_is_made_by_the_signed_in_user(api: Api) -> None:
    alert = api.add(draft())

    response = api.client.post(
        f"/api/v1/alerts/{alert.id}/escalate", headers={"x-test-user": "bob"}
    )

    assert response.json()["history"][0]["by"] == "bob"


def test_close_then_reopen_without_a_body(api: Api) -> None:
    alert = api.add(draft())

    closed = api.client.post(f"/api/v1/alerts/{alert.id}/close").json()
    reopened = api.client.post(f"/api/v1/alerts/{alert.id}/reopen").json()

    assert (closed["status"], reopened["status"]) == ("closed", "new")
    assert [h["status"] for h in reopened["history"]] == ["closed", "new"]


def test_a_transition_not_allowed_is_409_saying_from_what_to_what(api: Api) -> None:
    alert = api.add(draft())
    api.client.post(f"/api/v1/alerts/{alert.id}/close")

    response = api.client.post(f"/api/v1/alerts/{alert.id}/ack")

    assert response.status_code == 409
    assert response.json()["error"]["message"] == (
        f"alert {alert.id}: cannot go from closed to acknowledged; allowed: new"
    )


def test_a_change_of_a_missing_alert_is_404(api: Api) -> None:
    response = api.client.post("/api/v1/alerts/nosuch/ack")

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "alert nosuch: no such alert"


def test_an_unknown_action_is_404_listing_the_known_ones(api: Api) -> None:
    alert = api.add(draft())

    response = api.client.post(f"/api/v1/alerts/{alert.id}/snooze")

    assert response.status_code == 404
    assert response.json()["error"]["message"] == (
        "no alert action 'snooze'; known: ack, escalate, close, reopen"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "invalid JSON body"),
        (b"[1]", "the body must be a JSON object, found list"),
        (b'{"note": 3}', "note must be a string, found int"),
        (b'{"notes": "x"}', "unknown field 'notes' in the body; it takes only note"),
    ],
)
def test_a_bad_body_is_400(api: Api, body: bytes, message: str) -> None:
    alert = api.add(draft())

    response = api.client.post(f"/api/v1/alerts/{alert.id}/ack", content=body)

    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert api.written.get(alert.id).status == "new"


def test_a_change_nobody_applies_is_503_and_withdrawn(tmp_path: Path) -> None:
    with running_api(tmp_path, applier=False, change_timeout=0.2) as api:
        alert = api.add(draft())

        response = api.client.post(f"/api/v1/alerts/{alert.id}/ack")

        assert response.status_code == 503
        assert "was not applied within 0.2s and was withdrawn" in response.text
        assert response.headers["retry-after"] == "5"


SENT = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


def delivery(minutes: int, alert_id: str, route: str, status: DeliveryStatus) -> DeliveryRecord:
    moment = SENT + dt.timedelta(minutes=minutes)
    error = "http 500" if status == "failed" else ""
    return DeliveryRecord(
        f"d{minutes}", alert_id, "rule", route, route, status, 1, moment, moment, error=error
    )


def test_deliveries_of_an_alert_are_listed_newest_first(api: Api) -> None:
    alert = api.add(draft(summary="delivered"))
    other = api.add(draft(summary="elsewhere", dedup_key="other"))
    log = AppDbDeliveryLog(api.context.db)
    log.save(delivery(0, alert.id, "slack", "delivered"))
    log.save(delivery(1, alert.id, "pager", "failed"))
    log.save(delivery(2, other.id, "mail", "delivered"))

    answer = api.client.get(f"/api/v1/alerts/{alert.id}/deliveries")

    assert answer.status_code == 200
    found = answer.json()["deliveries"]
    assert [(d["route"], d["status"], d["error"]) for d in found] == [
        ("pager", "failed", "http 500"),
        ("slack", "delivered", ""),
    ]
    assert found[1]["updated"] == "2026-12-04T09:00:00.000000+00:00"


def test_an_alert_no_route_took_has_no_deliveries(api: Api) -> None:
    alert = api.add(draft(summary="quiet"))

    assert api.client.get(f"/api/v1/alerts/{alert.id}/deliveries").json() == {"deliveries": []}
