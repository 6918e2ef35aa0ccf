"""`/api/v1/suppressions`: listing with hits, adding with checks, removing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.alerts.builders import draft

from .api_builders import Api, running_api

RULE = """\
id: intrusion-word
query: 'summary:intrusion'
mode: streaming
"""


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with running_api(tmp_path, rules={"intrusion.yaml": RULE}) as running:
        yield running


def test_add_answers_201_with_the_new_suppression_made_by_the_actor(api: Api) -> None:
    asked = {"query": "details.ip:10.0.0.5", "reason": "scanner", "rule_id": "intrusion-word"}

    response = api.client.post("/api/v1/suppressions", json=asked, headers={"x-test-user": "eve"})

    assert response.status_code == 201
    made = response.json()
    assert (made["query"], made["reason"], made["rule_id"], made["created_by"]) == (
        "details.ip:10.0.0.5",
        "scanner",
        "intrusion-word",
        "eve",
    )
    assert (made["expires"], made["active"], made["hits"]) == (None, True, 0)
    stored = api.context.suppressions.get(made["id"])
    assert stored is not None and stored.reason == "scanner"


def test_expires_takes_a_duration_from_now(api: Api) -> None:
    before = dt.datetime.now(dt.UTC)

    made = api.client.post(
        "/api/v1/suppressions", json={"query": "x:1", "reason": "r", "expires": "7d"}
    ).json()

    expires = dt.datetime.fromisoformat(made["expires"])
    assert dt.timedelta(days=7) <= expires - before < dt.timedelta(days=7, minutes=1)


def test_expires_takes_an_iso_time(api: Api) -> None:
    made = api.client.post(
        "/api/v1/suppressions",
        json={"query": "x:1", "reason": "r", "expires": "2999-01-02T03:04:05Z"},
    ).json()

    assert made["expires"] == "2999-01-02T03:04:05.000000+00:00"


def test_list_shows_active_and_expired_ones_with_their_hits(api: Api) -> None:
    suppressions = api.context.suppressions
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    expired = suppressions.add("x:1", reason="old", by="alice", expires=past)
    active = suppressions.add("category:bruteforce", reason="pentest", by="alice")
    suppressions.record_hit(active.id, at=dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC))
    suppressions.record_hit(active.id, at=dt.datetime(2026, 12, 1, 13, tzinfo=dt.UTC))

    listed = api.client.get("/api/v1/suppressions").json()["suppressions"]

    shown = {s["id"]: (s["active"], s["hits"], s["last_hit"]) for s in listed}
    assert shown == {
        expired.id: (False, 0, None),
        active.id: (True, 2, "2026-12-01T13:00:00.000000+00:00"),
    }


def test_an_added_suppression_drops_the_drafts_it_matches(api: Api) -> None:
    api.client.post("/api/v1/suppressions", json={"query": "category:bruteforce", "reason": "r"})

    found = api.context.suppressions.find(draft(category="bruteforce"), now=dt.datetime.now(dt.UTC))

    assert found is not None and found.query == "category:bruteforce"


def test_an_invalid_query_is_400_naming_its_position(api: Api) -> None:
    response = api.client.post(
        "/api/v1/suppressions", json={"query": "summary:(ssh", "reason": "r"}
    )

    assert response.status_code == 400
    problem = response.json()["error"]
    assert (problem["type"], problem["field"], problem["position"]) == ("query_syntax", "query", 12)
    assert problem["message"].startswith("query syntax error at position 12")
    assert api.context.suppressions.all() == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"reason": "r"}, "query is required: a non-empty string"),
        ({"query": "x:1"}, "reason is required: a non-empty string"),
        ({"query": "x:1", "reason": " "}, "reason is required: a non-empty string"),
        ({"query": "x:1", "reason": "r", "rule_id": "nosuch"}, "rule_id 'nosuch' names no rule"),
        ({"query": "x:1", "reason": "r", "expires": "someday"}, "expires must be an ISO 8601"),
        ({"query": "x:1", "reason": "r", "expires": "2000-01-01"}, "is not in the future"),
        ({"query": "x:1", "reason": "r", "expire": "7d"}, "unknown field 'expire'"),
    ],
)
def test_a_bad_suppression_is_400_naming_the_field(
    api: Api, body: dict[str, object], message: str
) -> None:
    response = api.client.post("/api/v1/suppressions", json=body)

    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert api.context.suppressions.all() == []


def test_a_body_that_is_not_json_is_400(api: Api) -> None:
    response = api.client.post("/api/v1/suppressions", content=b"query=x")

    assert response.status_code == 400
    assert "invalid JSON body" in response.json()["error"]["message"]


def test_get_answers_one_suppression_or_404(api: Api) -> None:
    made = api.context.suppressions.add("x:1", reason="r", by="alice")

    found = api.client.get(f"/api/v1/suppressions/{made.id}")
    missing = api.client.get("/api/v1/suppressions/nosuch")

    assert (found.status_code, found.json()["id"]) == (200, made.id)
    assert missing.status_code == 404


def test_delete_answers_204_and_removes_it(api: Api) -> None:
    made = api.context.suppressions.add("x:1", reason="r", by="alice")

    response = api.client.delete(f"/api/v1/suppressions/{made.id}")

    assert (response.status_code, response.content) == (204, b"")
    assert api.context.suppressions.get(made.id) is None


def test_delete_of_a_missing_suppression_is_404(api: Api) -> None:
    response = api.client.delete("/api/v1/suppressions/nosuch")

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "no suppression 'nosuch'"
