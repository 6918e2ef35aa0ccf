"""`/api/v1/incidents`, `/api/v1/investigations` and `/api/v1/veris` over a SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.testclient import TestClient

from mozdef.appdb import AppDb
from mozdef.auth.audit import AuditLog
from mozdef.incidents import incidents_context
from mozdef.web import incidents_api

INCIDENTS = "/api/v1/incidents"
INVESTIGATIONS = "/api/v1/investigations"


class _User:
    def __init__(self, name: str) -> None:
        self.name = name


class _Auth:
    """The part of the installed auth that the case routes use: the audit log."""

    def __init__(self, audit: AuditLog) -> None:
        self.audit = audit


class _SignedIn(BaseHTTPMiddleware):
    """What an authentication middleware does: the request's user, from a header."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        name = request.headers.get("x-test-user")
        if name:
            request.state.user = _User(name)
        return await call_next(request)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    db = AppDb.in_folder(tmp_path)
    app = Starlette(routes=incidents_api.routes())
    app.add_middleware(_SignedIn)
    app.state.incidents = incidents_context(db)
    app.state.auth = _Auth(AuditLog(db))
    with TestClient(app) as running:
        yield running
    db.close()


def _as(name: str) -> dict[str, str]:
    return {"x-test-user": name}


def _audited(client: TestClient) -> list[tuple[str, str, str, dict[str, Any]]]:
    entries = client.app.state.auth.audit.page().entries  # type: ignore[attr-defined]
    return [(e.actor, e.action, e.target, e.details) for e in reversed(entries)]


def _create(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post(INCIDENTS, json={"summary": "Brute force on the VPN", **fields})
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def test_create_answers_201_with_the_incident_made_by_the_user(client: TestClient) -> None:
    response = client.post(INCIDENTS, json={"summary": "VPN brute force"}, headers=_as("eve"))

    made = response.json()
    assert response.status_code == 201
    assert response.headers["location"] == f"{INCIDENTS}/{made['id']}"
    assert (made["summary"], made["creator"], made["phase"]) == (
        "VPN brute force",
        "eve",
        "identification",
    )
    assert client.get(f"{INCIDENTS}/{made['id']}").json() == made


def test_without_a_user_the_actor_is_anonymous(client: TestClient) -> None:
    assert _create(client)["creator"] == "anonymous"


def test_bad_input_answers_400_naming_the_field(client: TestClient) -> None:
    response = client.post(INCIDENTS, json={"summary": "s", "indicators": [{"type": "md5"}]})

    assert response.status_code == 400
    problem = response.json()["error"]
    assert (problem["type"], problem["field"]) == ("invalid", "indicators")
    assert "item 1: value: is required" in problem["message"]


def test_a_body_that_is_not_json_answers_400(client: TestClient) -> None:
    response = client.post(
        INCIDENTS, content=b"{summary", headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("invalid JSON body")


def test_an_unknown_incident_answers_404(client: TestClient) -> None:
    response = client.get(f"{INCIDENTS}/nope")

    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"


def test_patches_of_different_fields_by_two_users_both_apply(client: TestClient) -> None:
    made = _create(client)
    url = f"{INCIDENTS}/{made['id']}"

    first = client.patch(
        url, json={"summary": {"value": "VPN attack", "version": 1}}, headers=_as("ann")
    )
    second = client.patch(
        url, json={"phase": {"value": "containment", "version": 1}}, headers=_as("bo")
    )

    assert (first.status_code, second.status_code) == (200, 200)
    found = second.json()
    assert (found["summary"], found["phase"]) == ("VPN attack", "containment")
    assert (found["versions"]["summary"], found["versions"]["phase"]) == (2, 2)


def test_a_patch_on_an_old_version_answers_409_with_the_current_value(client: TestClient) -> None:
    url = f"{INCIDENTS}/{_create(client)['id']}"
    client.patch(url, json={"summary": {"value": "ann's", "version": 1}})

    response = client.patch(
        url,
        json={
            "summary": {"value": "bo's", "version": 1},
            "assignee": {"value": "bo", "version": 1},
        },
    )

    assert response.status_code == 409
    problem = response.json()["error"]
    assert problem["conflicts"] == {"summary": {"value": "ann's", "version": 2}}
    assert client.get(url).json()["assignee"] is None


def test_a_patch_without_a_version_answers_400(client: TestClient) -> None:
    url = f"{INCIDENTS}/{_create(client)['id']}"

    response = client.patch(url, json={"summary": {"value": "x"}})

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "summary"


def test_items_are_appended_and_removed_by_id(client: TestClient) -> None:
    url = f"{INCIDENTS}/{_create(client)['id']}"

    added = client.post(
        f"{url}/indicators", json={"type": "ipv4", "value": "192.0.2.7"}, headers=_as("bo")
    )
    again = client.post(f"{url}/indicators", json={"type": "ipv4", "value": "192.0.2.7"})
    item_id = added.json()["item"]["id"]
    removed = client.delete(f"{url}/indicators/{item_id}")

    assert (added.status_code, again.status_code, removed.status_code) == (201, 200, 200)
    assert (added.json()["item"]["by"], added.json()["version"]) == ("bo", 2)
    assert again.json()["changed"] is False
    assert client.get(url).json()["indicators"] == []
    assert client.delete(f"{url}/indicators/{item_id}").status_code == 404


def test_the_history_lists_each_change(client: TestClient) -> None:
    url = f"{INCIDENTS}/{_create(client)['id']}"
    client.patch(url, json={"status": {"value": "closed", "version": 1}}, headers=_as("bo"))

    entries = client.get(f"{url}/history").json()["history"]

    assert [(e["actor"], e["field"], e["action"]) for e in entries] == [
        ("anonymous", "", "create"),
        ("bo", "status", "set"),
        ("bo", "closed", "set"),
    ]
    assert client.get(f"{url}/history", params={"after": entries[1]["seq"]}).json()["history"] == [
        entries[2]
    ]
    assert client.get(f"{url}/history", params={"limit": 0}).status_code == 400


def test_the_list_filters_and_pages(client: TestClient) -> None:
    _create(client, opened="2026-12-01T00:00:00Z", veris=["action.hacking.variety.Brute force"])
    latest = _create(client, opened="2026-12-02T00:00:00Z", assignee="bo")

    tagged = client.get(INCIDENTS, params={"veris": "action.hacking"}).json()
    paged = client.get(INCIDENTS, params={"limit": 1}).json()

    assert [case["veris"] for case in tagged["cases"]] == [["action.hacking.variety.Brute force"]]
    assert (paged["total"], [case["id"] for case in paged["cases"]]) == (2, [latest["id"]])
    assert client.get(INCIDENTS, params={"limit": "many"}).status_code == 400
    assert client.get(INCIDENTS, params={"phase": "panic"}).status_code == 400


def test_an_investigation_is_promoted_once(client: TestClient) -> None:
    made = client.post(INVESTIGATIONS, json={"summary": "Odd logins", "notes": ["geo"]}).json()

    promoted = client.post(f"{INVESTIGATIONS}/{made['id']}/promote", headers=_as("cy"))
    again = client.post(f"{INVESTIGATIONS}/{made['id']}/promote")

    incident = promoted.json()
    assert promoted.status_code == 201
    assert (incident["investigation"], incident["creator"], incident["notes"]) == (
        made["id"],
        "cy",
        made["notes"],
    )
    assert client.get(f"{INVESTIGATIONS}/{made['id']}").json()["incident"] == incident["id"]
    assert again.status_code == 409


def test_investigations_take_list_appends(client: TestClient) -> None:
    made = client.post(INVESTIGATIONS, json={"summary": "Odd logins"}).json()

    response = client.post(f"{INVESTIGATIONS}/{made['id']}/alerts", json="a1")

    assert response.status_code == 201
    assert response.json()["item"]["alert_id"] == "a1"
    assert client.get(INVESTIGATIONS).json()["total"] == 1


def test_the_veris_picker_searches_values(client: TestClient) -> None:
    found = client.get("/api/v1/veris", params={"q": "brute"}).json()["results"]

    assert [entry["path"] for entry in found] == [
        "action.hacking.variety.Brute force",
        "action.malware.variety.Brute force",
    ]
    assert client.get("/api/v1/veris").json()["tree"]["children"][0]["path"] == "security_incident"


def test_the_attack_techniques_of_a_veris_path(client: TestClient) -> None:
    response = client.get("/api/v1/veris/action.malware.variety.Spyware/Keylogger/attack")

    answer = response.json()
    assert response.status_code == 200
    assert (answer["path"], answer["attack_version"]) == (
        "action.malware.variety.Spyware/Keylogger",
        "19.1",
    )
    assert {"id": "T1111", "name": "Multi-Factor Authentication Interception"} in answer[
        "techniques"
    ]
    assert client.get("/api/v1/veris/action.teleport/attack").status_code == 404


def test_an_offset_past_the_databases_integers_is_refused(client: TestClient) -> None:
    answer = client.get("/api/v1/incidents", params={"offset": str(2**63)})

    assert answer.status_code == 400
    assert "offset" in answer.text


def test_case_changes_are_in_the_audit_log(client: TestClient) -> None:
    made = client.post(INCIDENTS, json={"summary": "VPN brute force"}, headers=_as("eve")).json()
    url = f"{INCIDENTS}/{made['id']}"
    client.patch(url, json={"phase": {"value": "containment", "version": 1}}, headers=_as("bo"))
    added = client.post(f"{url}/notes", json="seen from 192.0.2.7", headers=_as("bo")).json()
    client.delete(f"{url}/notes/{added['item']['id']}", headers=_as("eve"))

    assert [entry[:3] for entry in _audited(client)] == [
        ("eve", "incident.create", made["id"]),
        ("bo", "incident.edit", made["id"]),
        ("bo", "incident.add", made["id"]),
        ("eve", "incident.remove", made["id"]),
    ]
    assert _audited(client)[1][3]["fields"] == ["phase"]


def test_a_refused_edit_is_not_in_the_audit_log(client: TestClient) -> None:
    url = f"{INCIDENTS}/{_create(client)['id']}"
    client.patch(url, json={"summary": {"value": "first", "version": 1}})

    assert client.patch(url, json={"summary": {"value": "second", "version": 1}}).status_code == 409
    assert [entry[1] for entry in _audited(client)] == ["incident.create", "incident.edit"]


def test_a_promotion_is_in_the_audit_log(client: TestClient) -> None:
    made = client.post(INVESTIGATIONS, json={"summary": "Odd logins"}, headers=_as("cy")).json()

    incident = client.post(f"{INVESTIGATIONS}/{made['id']}/promote", headers=_as("cy")).json()

    assert _audited(client)[-1][:4] == (
        "cy",
        "investigation.promote",
        made["id"],
        {"incident": incident["id"], "address": "testclient"},
    )
