"""`/api/v1/blocklist` and `/api/v1/watchlist` in an app with the auth installed,
called with API tokens as firewalls and scripts do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from mozdef.appdb import AppDb
from mozdef.auth import Auth, install_auth
from mozdef.blocklist import BlockListContext, blocklist_context
from mozdef.config.settings import AuthSettings, Settings
from mozdef.web import auth_routes, blocklist_api
from tests.auth.harness import FAST, PASSWORD

ROLES = {"vic": "viewer", "ana": "analyst", "adm": "admin"}


@dataclass
class Api:
    client: TestClient
    auth: Auth
    lists: BlockListContext
    headers: dict[str, dict[str, str]]

    def as_user(self, name: str) -> dict[str, str]:
        return self.headers[name]

    def audited(self, action: str) -> list[tuple[str, str, str]]:
        entries = self.auth.audit.page(action=action).entries
        return [(entry.actor, entry.target, entry.details.get("outcome", "")) for entry in entries]


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    db = AppDb(f"sqlite:///{tmp_path / 'mozdef.db'}")
    app = Starlette(routes=[*blocklist_api.routes(), *auth_routes.routes()])
    auth = install_auth(app, Settings(auth=AuthSettings(secure_cookies=False)), db, passwords=FAST)
    app.state.blocklist = blocklist_context(db)
    headers = {}
    for name, role in ROLES.items():
        user = auth.users.add(name, role, PASSWORD)
        headers[name] = {"Authorization": f"Bearer {auth.tokens.create(user, 't').token}"}
    yield Api(TestClient(app), auth, app.state.blocklist, headers)
    app.state.blocklist.close()
    db.close()


def _block(api: Api, value: str, user: str = "ana", **more: object) -> dict[str, object]:
    body = {"value": value, "reason": "scanner", **more}
    answer = api.client.post("/api/v1/blocklist", json=body, headers=api.as_user(user))
    assert answer.status_code in (200, 201), answer.text
    made: dict[str, object] = answer.json()
    return made


def test_an_analyst_blocks_an_address_and_the_audit_log_says_so(api: Api) -> None:
    answer = api.client.post(
        "/api/v1/blocklist",
        json={"value": "203.0.113.5/32", "reason": "ssh scanner"},
        headers=api.as_user("ana"),
    )

    made = answer.json()
    assert answer.status_code == 201
    assert (made["kind"], made["value"], made["reason"], made["created_by"]) == (
        "ip",
        "203.0.113.5",
        "ssh scanner",
        "ana",
    )
    assert (made["state"], made["expires"], made["outcome"]) == ("active", None, "added")
    assert api.audited("block") == [("ana", "203.0.113.5", "added")]


def test_blocking_a_covered_value_again_answers_200_extended(api: Api) -> None:
    first = _block(api, "evil.example.com", expires="1h")

    answer = api.client.post(
        "/api/v1/blocklist",
        json={"value": "Evil.Example.com", "reason": "again", "expires": "2d"},
        headers=api.as_user("ana"),
    )

    assert answer.status_code == 200
    assert (answer.json()["id"], answer.json()["outcome"]) == (first["id"], "extended")


def test_expires_takes_a_duration_from_now(api: Api) -> None:
    before = dt.datetime.now(dt.UTC)

    made = _block(api, "203.0.113.5", expires="7d")

    expires = dt.datetime.fromisoformat(str(made["expires"]))
    assert dt.timedelta(days=7) <= expires - before < dt.timedelta(days=7, minutes=1)


def test_a_protected_address_answers_409_naming_the_range(api: Api) -> None:
    answer = api.client.post(
        "/api/v1/blocklist",
        json={"value": "192.168.1.20", "reason": "oops"},
        headers=api.as_user("ana"),
    )

    problem = answer.json()["error"]
    assert answer.status_code == 409
    assert (problem["type"], problem["protected_range"]) == ("protected", "192.168.0.0/16")
    assert "192.168.1.20 is inside the protected range 192.168.0.0/16" in problem["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"value": "10.0.0.5/24", "reason": "r"}, "value"),
        ({"value": "not a name", "reason": "r"}, "value"),
        ({"value": "203.0.113.5"}, "reason"),
        ({"value": "203.0.113.5", "reason": "r", "expires": "yesterday"}, "expires"),
        ({"value": "203.0.113.5", "reason": "r", "kind": "url"}, "kind"),
        ({"value": "203.0.113.5", "reason": "r", "color": "red"}, "color"),
    ],
)
def test_bad_input_answers_400_naming_the_field(api: Api, body: dict[str, str], field: str) -> None:
    answer = api.client.post("/api/v1/blocklist", json=body, headers=api.as_user("ana"))

    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == field


def test_a_body_that_is_not_json_answers_400(api: Api) -> None:
    headers = {**api.as_user("ana"), "Content-Type": "application/json"}

    answer = api.client.post("/api/v1/blocklist", content=b"{nope", headers=headers)

    assert (answer.status_code, answer.json()["error"]["field"]) == (400, "body")


def test_a_viewer_may_not_block(api: Api) -> None:
    body = {"value": "203.0.113.5", "reason": "r"}

    answer = api.client.post("/api/v1/blocklist", json=body, headers=api.as_user("vic"))

    assert answer.status_code == 403


def test_the_list_needs_a_caller(api: Api) -> None:
    assert api.client.get("/api/v1/blocklist").status_code == 401


def test_the_list_filters_and_pages(api: Api) -> None:
    for value in ("203.0.113.5", "203.0.113.6", "evil.example.com"):
        _block(api, value)

    answer = api.client.get(
        "/api/v1/blocklist", params={"kind": "ip", "limit": "1"}, headers=api.as_user("vic")
    )

    listed = answer.json()
    assert [e["value"] for e in listed["entries"]] == ["203.0.113.6"]
    assert (listed["total"], listed["limit"], listed["offset"]) == (2, 1, 0)


def test_a_bad_list_parameter_answers_400_naming_it(api: Api) -> None:
    answer = api.client.get(
        "/api/v1/blocklist", params={"state": "gone"}, headers=api.as_user("vic")
    )

    assert (answer.status_code, answer.json()["error"]["field"]) == (400, "state")


def test_unblocking_keeps_the_entry_as_removed_by_the_caller(api: Api) -> None:
    made = _block(api, "203.0.113.5")

    answer = api.client.delete(f"/api/v1/blocklist/{made['id']}", headers=api.as_user("ana"))

    assert answer.status_code == 200
    assert (answer.json()["state"], answer.json()["removed_by"]) == ("removed", "ana")
    shown = api.client.get(f"/api/v1/blocklist/{made['id']}", headers=api.as_user("vic"))
    assert shown.json()["state"] == "removed"
    assert api.audited("unblock") == [("ana", "203.0.113.5", "")]


def test_unblocking_twice_answers_409_and_an_unknown_id_404(api: Api) -> None:
    made = _block(api, "203.0.113.5")
    api.client.delete(f"/api/v1/blocklist/{made['id']}", headers=api.as_user("ana"))

    again = api.client.delete(f"/api/v1/blocklist/{made['id']}", headers=api.as_user("ana"))
    unknown = api.client.delete("/api/v1/blocklist/nope", headers=api.as_user("ana"))

    assert (again.status_code, unknown.status_code) == (409, 404)


def test_a_firewall_fetches_the_active_addresses_as_text_with_a_token(api: Api) -> None:
    for value in ("2001:db8::/32", "203.0.113.9", "198.51.100.0/24", "evil.example.com"):
        _block(api, value)

    answer = api.client.get("/api/v1/blocklist/ip.txt", headers=api.as_user("vic"))

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert answer.text == "198.51.100.0/24\n203.0.113.9\n2001:db8::/32\n"


def test_the_fqdn_export_lists_host_names(api: Api) -> None:
    _block(api, "evil.example.com")
    _block(api, "203.0.113.9")

    answer = api.client.get("/api/v1/blocklist/fqdn.txt", headers=api.as_user("vic"))

    assert answer.text == "evil.example.com\n"


def test_the_exports_need_a_caller(api: Api) -> None:
    assert api.client.get("/api/v1/blocklist/ip.txt").status_code == 401


def test_an_admin_protects_a_range_and_blocks_in_it_are_refused(api: Api) -> None:
    answer = api.client.post(
        "/api/v1/blocklist/protected",
        json={"network": "198.51.100.0/24", "reason": "our office"},
        headers=api.as_user("adm"),
    )
    refused = api.client.post(
        "/api/v1/blocklist",
        json={"value": "198.51.100.7", "reason": "r"},
        headers=api.as_user("ana"),
    )

    assert answer.status_code == 201
    assert (answer.json()["source"], answer.json()["created_by"]) == ("admin", "adm")
    assert refused.json()["error"]["protected_range"] == "198.51.100.0/24"
    assert [entry[:2] for entry in api.audited("protect")] == [("adm", "198.51.100.0/24")]


def test_an_analyst_may_read_but_not_change_the_protected_ranges(api: Api) -> None:
    listed = api.client.get("/api/v1/blocklist/protected", headers=api.as_user("ana"))
    added = api.client.post(
        "/api/v1/blocklist/protected",
        json={"network": "198.51.100.0/24", "reason": "r"},
        headers=api.as_user("ana"),
    )

    assert listed.json()["protected"][1] == {
        "id": None,
        "network": "10.0.0.0/8",
        "reason": "private network (RFC 1918)",
        "source": "default",
        "created_by": None,
        "created": None,
    }
    assert added.status_code == 403


def test_removing_a_protected_range_answers_204(api: Api) -> None:
    made = api.client.post(
        "/api/v1/blocklist/protected",
        json={"network": "198.51.100.0/24", "reason": "r"},
        headers=api.as_user("adm"),
    ).json()

    answer = api.client.delete(
        f"/api/v1/blocklist/protected/{made['id']}", headers=api.as_user("adm")
    )

    assert answer.status_code == 204
    assert [entry[:2] for entry in api.audited("unprotect")] == [("adm", "198.51.100.0/24")]


def test_a_range_over_active_blocks_answers_409_naming_them(api: Api) -> None:
    _block(api, "198.51.100.7")

    answer = api.client.post(
        "/api/v1/blocklist/protected",
        json={"network": "198.51.100.0/24", "reason": "r"},
        headers=api.as_user("adm"),
    )

    assert answer.status_code == 409
    assert "198.51.100.7; unblock them first" in answer.json()["error"]["message"]


def test_an_analyst_watches_a_term_and_the_rule_sees_it(api: Api) -> None:
    answer = api.client.post(
        "/api/v1/watchlist",
        json={"term": "jdoe", "reason": "contract ended", "field": "details.username"},
        headers=api.as_user("ana"),
    )

    made = answer.json()
    assert answer.status_code == 201
    assert (made["term"], made["field"], made["created_by"]) == ("jdoe", "details.username", "ana")
    assert api.lists.watch_list.terms() == ("jdoe",)
    assert [entry[:2] for entry in api.audited("watch")] == [("ana", "jdoe")]


def test_the_watch_list_filters_by_state(api: Api) -> None:
    for term in ("jdoe", "mallory"):
        api.client.post(
            "/api/v1/watchlist", json={"term": term, "reason": "r"}, headers=api.as_user("ana")
        )
    listed = api.client.get("/api/v1/watchlist", headers=api.as_user("vic")).json()
    [mallory] = [e["id"] for e in listed["entries"] if e["term"] == "mallory"]
    api.client.delete(f"/api/v1/watchlist/{mallory}", headers=api.as_user("ana"))

    active = api.client.get(
        "/api/v1/watchlist", params={"state": "active"}, headers=api.as_user("vic")
    ).json()

    assert [e["term"] for e in active["entries"]] == ["jdoe"]
    assert api.lists.watch_list.terms() == ("jdoe",)


def test_a_watch_list_kind_parameter_answers_400(api: Api) -> None:
    answer = api.client.get("/api/v1/watchlist", params={"kind": "ip"}, headers=api.as_user("vic"))

    assert (answer.status_code, answer.json()["error"]["field"]) == (400, "kind")


def test_removing_an_unknown_term_answers_404(api: Api) -> None:
    answer = api.client.delete("/api/v1/watchlist/nope", headers=api.as_user("ana"))

    assert answer.status_code == 404
