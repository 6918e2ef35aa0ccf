"""The answers of a running app against the schemas its OpenAPI description gives
them. Every object schema is closed for the check, so that a field answered but not
described fails as well as a described field of the wrong type."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from openapi_schema_validator import OAS31Validator
from starlette.testclient import TestClient

from mozdef.alerts.engine import new_alert
from mozdef.alerts.model import AlertDraft, EventSample
from mozdef.alerts.store import AlertStore
from mozdef.store.base import EventStore
from mozdef.web import openapi
from tests.alerts.builders import add_events, ssh_failure
from tests.auth.harness import PASSWORD
from tests.web.openapi_harness import build_app


@dataclass
class Filled:
    """A running app holding one thing of each kind, with an admin's token."""

    client: TestClient
    headers: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)
    # The answers of the requests that made those things, by "METHOD /template".
    made: dict[str, tuple[int, Any]] = field(default_factory=dict)

    def make(self, template: str, path: str, body: Any) -> dict[str, Any]:
        response = self.client.post(path, json=body, headers=self.headers)
        self.made[f"POST {template}"] = (response.status_code, response.json())
        answer: dict[str, Any] = response.json()
        return answer


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Filled]:
    app = build_app(tmp_path_factory.mktemp("filled"))
    alert_id = _store_event_and_alert(app.state.system.store)
    with TestClient(app) as client:
        auth = app.state.auth
        token = auth.tokens.create(auth.users.add("ada", "admin", PASSWORD), "openapi").token
        made = Filled(client, {"Authorization": f"Bearer {token}"}, {"alert_id": alert_id})
        _make_one_of_each(made)
        yield made


def _store_event_and_alert(store: EventStore) -> str:
    now = dt.datetime.now(dt.UTC)
    event = ssh_failure("e1", now - dt.timedelta(minutes=5), "198.51.100.9")
    add_events(store, [event])
    sample = EventSample("e1", "events-20261201", event)
    draft = AlertDraft("ssh-bruteforce", "3 failed logins", "bruteforce", "ERROR", events=(sample,))
    alert = new_alert(draft, now=now)
    AlertStore(store).save(alert)
    return alert.id


def _make_one_of_each(made: Filled) -> None:
    incident = made.make("/api/v1/incidents", "/api/v1/incidents", {"summary": "Brute force"})
    made.ids["incident"] = incident["id"]
    timeline = {"time": "2026-12-01T12:00:00Z", "text": "first failure"}
    path = f"/api/v1/incidents/{incident['id']}/timeline"
    made.make("/api/v1/incidents/{case_id}/{field}", path, timeline)
    investigation = made.make("/api/v1/investigations", "/api/v1/investigations", {"summary": "?"})
    made.ids["investigation"] = investigation["id"]
    block = {"value": "203.0.113.7", "reason": "scanner", "expires": "7d"}
    made.ids["block"] = made.make("/api/v1/blocklist", "/api/v1/blocklist", block)["id"]
    watch = {"term": "mimikatz", "reason": "tool"}
    made.ids["watch"] = made.make("/api/v1/watchlist", "/api/v1/watchlist", watch)["id"]
    noise = {"query": "category:test", "reason": "noise"}
    made.ids["suppression"] = made.make("/api/v1/suppressions", "/api/v1/suppressions", noise)["id"]
    made.make("/api/v1/tokens", "/api/v1/tokens", {"name": "ci", "expires_days": 30})
    made.make("/events", "/events", [{"summary": "one"}, "not an event"])
    rules = made.client.get("/api/v1/rules", headers=made.headers).json()["rules"]
    made.ids["rule"] = rules[0]["id"]


def closed(schema: Any) -> Any:
    """`schema` with every object that lists its properties refusing any other."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    shut = {key: closed(value) for key, value in schema.items()}
    if isinstance(schema.get("properties"), dict) and "additionalProperties" not in schema:
        shut["additionalProperties"] = False
    return shut


def answer_errors(document: dict[str, Any], key: str, status: int, body: Any) -> list[str]:
    """What is wrong in `body` for the schema the document gives that answer."""
    method, _, template = key.partition(" ")
    answer = document["paths"][template][method.lower()]["responses"][str(status)]
    if "$ref" in answer:
        answer = document["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    schema = answer["content"]["application/json"]["schema"]
    root = {**closed(schema), "components": {"schemas": closed(document["components"]["schemas"])}}
    found = OAS31Validator(root).iter_errors(body)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in found]


READS = [
    ("/status", "/status"),
    ("/", "/"),
    ("/api/v1/auth/me", "/api/v1/auth/me"),
    ("/api/v1/auth/methods", "/api/v1/auth/methods"),
    ("/api/v1/users", "/api/v1/users"),
    ("/api/v1/tokens", "/api/v1/tokens"),
    ("/api/v1/audit", "/api/v1/audit"),
    ("/api/v1/alerts", "/api/v1/alerts"),
    ("/api/v1/alerts/{alert_id}", "/api/v1/alerts/{alert_id}"),
    ("/api/v1/rules", "/api/v1/rules"),
    ("/api/v1/rules/{rule_id}", "/api/v1/rules/{rule}"),
    ("/api/v1/suppressions", "/api/v1/suppressions"),
    ("/api/v1/suppressions/{suppression_id}", "/api/v1/suppressions/{suppression}"),
    ("/api/v1/events/search", "/api/v1/events/search?q=details.program:sshd"),
    ("/api/v1/incidents", "/api/v1/incidents"),
    ("/api/v1/incidents/{case_id}", "/api/v1/incidents/{incident}"),
    ("/api/v1/incidents/{case_id}/history", "/api/v1/incidents/{incident}/history"),
    ("/api/v1/investigations", "/api/v1/investigations"),
    ("/api/v1/investigations/{case_id}", "/api/v1/investigations/{investigation}"),
    ("/api/v1/veris", "/api/v1/veris"),
    ("/api/v1/veris", "/api/v1/veris?q=brute"),
    ("/api/v1/veris/{path}/attack", "/api/v1/veris/action.hacking.variety.Brute force/attack"),
    ("/api/v1/blocklist", "/api/v1/blocklist"),
    ("/api/v1/blocklist/{entry_id}", "/api/v1/blocklist/{block}"),
    ("/api/v1/blocklist/protected", "/api/v1/blocklist/protected"),
    ("/api/v1/watchlist", "/api/v1/watchlist"),
    ("/api/v1/watchlist/{entry_id}", "/api/v1/watchlist/{watch}"),
    ("/api/v1/metrics/events", "/api/v1/metrics/events"),
    ("/api/v1/metrics/alerts", "/api/v1/metrics/alerts"),
    ("/api/v1/metrics/incidents", "/api/v1/metrics/incidents"),
    ("/api/v1/health", "/api/v1/health"),
]


@pytest.mark.parametrize(("template", "path"), READS)
def test_a_read_answers_as_its_schema_says(filled: Filled, template: str, path: str) -> None:
    document = filled.client.get(openapi.PATH).json()

    response = filled.client.get(path.format(**filled.ids), headers=filled.headers)

    assert response.status_code == 200
    assert answer_errors(document, f"GET {template}", 200, response.json()) == []


@pytest.mark.parametrize(
    "key",
    [
        "POST /api/v1/incidents",
        "POST /api/v1/incidents/{case_id}/{field}",
        "POST /api/v1/investigations",
        "POST /api/v1/blocklist",
        "POST /api/v1/watchlist",
        "POST /api/v1/suppressions",
        "POST /api/v1/tokens",
        "POST /events",
    ],
)
def test_a_change_answers_as_its_schema_says(filled: Filled, key: str) -> None:
    document = filled.client.get(openapi.PATH).json()
    status, body = filled.made[key]

    assert status in (200, 201)
    assert answer_errors(document, key, status, body) == []


def test_an_error_answers_as_the_error_schema_says(filled: Filled) -> None:
    document = filled.client.get(openapi.PATH).json()

    response = filled.client.get("/api/v1/alerts?size=many", headers=filled.headers)

    assert response.status_code == 400
    assert answer_errors(document, "GET /api/v1/alerts", 400, response.json()) == []
