"""The auth routes over a small app: login, logout, me, users, tokens, audit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mozdef.appdb import AppDb
from tests.auth.harness import PASSWORD, Harness, harness

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def db(tmp_path: Path) -> AppDb:
    return AppDb.in_folder(tmp_path)


@pytest.fixture
def app(db: AppDb) -> Harness:
    app = harness(db)
    for name, role in (("vera", "viewer"), ("anna", "analyst"), ("adam", "admin")):
        app.add(name, role)
    return app


def as_admin(app: Harness) -> dict[str, str]:
    return {"X-CSRF-Token": app.login("adam")}


def actions(app: Harness, **filters: Any) -> list[tuple[str, str, str]]:
    entries = app.auth.audit.page(**filters).entries
    return [(entry.actor, entry.action, entry.target) for entry in entries]


def test_login_answers_the_user_role_and_csrf_token_and_sets_the_cookie(app: Harness) -> None:
    answer = app.client.post(LOGIN, json={"name": "anna", "password": PASSWORD})

    body = answer.json()
    assert (body["user"], body["role"], len(body["csrf_token"])) == ("anna", "analyst", 43)
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("mozdef_session=")
    assert "; HttpOnly; Max-Age=43200; Path=/; SameSite=lax" in cookie
    assert "Secure" not in cookie


def test_the_cookie_is_secure_when_the_settings_say_so(db: AppDb) -> None:
    app = harness(db, secure_cookies=True)
    app.add("anna", "analyst")

    answer = app.client.post(LOGIN, json={"name": "anna", "password": PASSWORD})

    assert "; Secure" in answer.headers["set-cookie"]


def test_me_answers_the_caller_and_the_sessions_csrf_token(app: Harness) -> None:
    csrf = app.login("vera")

    answer = app.client.get("/api/v1/auth/me")

    assert answer.json() == {"user": "vera", "role": "viewer", "via": "session", "csrf_token": csrf}


def test_me_with_a_token_has_no_csrf_token(app: Harness) -> None:
    headers = {"Authorization": f"Bearer {app.token('anna')}"}

    answer = app.client.get("/api/v1/auth/me", headers=headers)

    assert answer.json() == {"user": "anna", "role": "analyst", "via": "token", "csrf_token": None}


def test_a_wrong_password_and_an_unknown_name_get_the_same_401(app: Harness) -> None:
    wrong = app.client.post(LOGIN, json={"name": "anna", "password": "not the password"})
    unknown = app.client.post(LOGIN, json={"name": "nobody", "password": PASSWORD})

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["message"] == "wrong user name or password"
    assert "set-cookie" not in wrong.headers


def test_a_disabled_user_is_told_so_only_with_the_right_password(app: Harness) -> None:
    app.auth.users.disable("vera")

    right = app.client.post(LOGIN, json={"name": "vera", "password": PASSWORD})
    wrong = app.client.post(LOGIN, json={"name": "vera", "password": "not the password"})

    assert (right.status_code, right.json()["error"]["type"]) == (403, "disabled")
    assert wrong.status_code == 401


def test_login_takes_json_only(app: Harness) -> None:
    answer = app.client.post(LOGIN, data={"name": "anna", "password": PASSWORD})

    assert answer.status_code == 415


def test_login_with_missing_fields_is_a_400_saying_what_is_expected(app: Harness) -> None:
    answer = app.client.post(LOGIN, json={"name": "anna"})

    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "expected name and password as strings"


def test_logins_are_recorded_whether_they_succeed_or_not(app: Harness) -> None:
    app.client.post(LOGIN, json={"name": "anna", "password": "not the password"})
    app.login("anna")

    [success, failure] = app.auth.audit.page().entries

    assert (success.actor, success.action) == ("anna", "login.success")
    assert (failure.actor, failure.action) == ("anna", "login.failure")
    assert failure.details == {"reason": "wrong_password", "address": "10.0.0.1"}


def test_logout_ends_the_session_and_is_recorded(app: Harness) -> None:
    csrf = app.login("vera")
    cookie = app.client.cookies["mozdef_session"]

    answer = app.client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    app.client.cookies.set("mozdef_session", cookie)

    assert answer.json() == {"logged_out": True}
    assert app.client.get("/api/v1/auth/me").status_code == 401
    assert actions(app, action="logout") == [("vera", "logout", "vera")]


def test_logging_in_again_ends_the_session_the_client_had(app: Harness) -> None:
    app.login("vera")
    first = app.client.cookies["mozdef_session"]

    app.login("vera")
    app.client.cookies.set("mozdef_session", first)

    assert app.client.get("/api/v1/auth/me").status_code == 401


def test_logout_needs_the_csrf_token(app: Harness) -> None:
    app.login("vera")

    assert app.client.post("/api/v1/auth/logout").status_code == 403


def test_login_attempts_from_one_address_are_limited(app: Harness) -> None:
    for number in range(10):
        app.client.post(LOGIN, json={"name": f"user{number}", "password": "wrong password"})

    answer = app.client.post(LOGIN, json={"name": "anna", "password": PASSWORD})

    assert answer.status_code == 429
    assert answer.json()["error"]["message"] == "too many login attempts: try again in 60 seconds"
    assert answer.headers["retry-after"] == "60"


def test_login_attempts_for_one_name_are_limited_across_addresses(app: Harness) -> None:
    for number in range(10):
        elsewhere = TestClient(app.client.app, client=(f"10.0.1.{number}", 50000))
        elsewhere.post(LOGIN, json={"name": "anna", "password": "wrong password"})

    answer = app.client.post(LOGIN, json={"name": "anna", "password": PASSWORD})

    assert answer.status_code == 429
    assert app.client.post(LOGIN, json={"name": "vera", "password": PASSWORD}).status_code == 200


def test_the_limit_lifts_when_the_minute_is_over(app: Harness) -> None:
    for _ in range(10):
        app.client.post(LOGIN, json={"name": "anna", "password": "wrong password"})

    app.clock.advance(seconds=60)

    assert app.client.post(LOGIN, json={"name": "anna", "password": PASSWORD}).status_code == 200


def test_an_admin_lists_and_adds_users(app: Harness) -> None:
    headers = as_admin(app)

    added = app.client.post(
        "/api/v1/users",
        json={"name": "bob", "role": "analyst", "password": PASSWORD},
        headers=headers,
    )
    listed = app.client.get("/api/v1/users").json()["users"]

    assert added.status_code == 201
    assert (added.json()["name"], added.json()["role"]) == ("bob", "analyst")
    assert [(u["name"], u["role"]) for u in listed] == [
        ("adam", "admin"),
        ("anna", "analyst"),
        ("bob", "analyst"),
        ("vera", "viewer"),
    ]
    assert actions(app, action="user.add") == [("adam", "user.add", "bob")]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"name": "anna", "password": PASSWORD}, 409, "user 'anna': a user of that name exists"),
        ({"name": "b b", "password": PASSWORD}, 400, "user name 'b b': ' ' at position 1"),
        ({"name": "bob", "role": "root", "password": PASSWORD}, 400, "role: expected one of"),
        ({"name": "bob", "password": "short"}, 400, "password: expected 10 to 1024"),
        ({"name": "bob", "password": PASSWORD, "email": "x"}, 400, "unknown fields email"),
    ],
)
def test_a_bad_new_user_is_refused_saying_why(
    app: Harness, body: dict[str, Any], status: int, message: str
) -> None:
    answer = app.client.post("/api/v1/users", json=body, headers=as_admin(app))

    assert answer.status_code == status
    assert answer.json()["error"]["message"].startswith(message)


def test_only_admins_manage_users(app: Harness) -> None:
    csrf = app.login("anna")

    assert app.client.get("/api/v1/users").status_code == 403
    new_user = {"name": "bob", "password": PASSWORD}
    assert (
        app.client.post("/api/v1/users", json=new_user, headers={"X-CSRF-Token": csrf}).status_code
        == 403
    )


def test_an_admin_changes_a_role(app: Harness) -> None:
    answer = app.client.patch("/api/v1/users/vera", json={"role": "analyst"}, headers=as_admin(app))

    assert answer.json()["role"] == "analyst"
    assert app.auth.audit.page(action="user.change").entries[0].details == {
        "role": "analyst",
        "address": "10.0.0.1",
    }


def test_disabling_a_user_ends_their_sessions(app: Harness, db: AppDb) -> None:
    vera = harness(db)
    vera.login("vera")

    app.client.patch("/api/v1/users/vera", json={"disabled": True}, headers=as_admin(app))

    assert vera.client.get("/api/v1/auth/me").status_code == 401
    assert vera.auth.sessions.prune() == 0


def test_a_new_password_works_and_is_not_written_to_the_audit_log(app: Harness) -> None:
    new = "another good password"

    app.client.patch("/api/v1/users/anna", json={"password": new}, headers=as_admin(app))

    assert app.auth.users.authenticate("anna", new).result == "ok"
    assert app.auth.audit.page(action="user.change").entries[0].details["password"] == "changed"


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/api/v1/users/nobody", {"role": "viewer"}, 404, "user 'nobody': no such user"),
        ("/api/v1/users/adam", {"role": "viewer"}, 409, "user 'adam': the last enabled admin"),
        ("/api/v1/users/vera", {}, 400, "expected at least one of"),
        ("/api/v1/users/vera", {"disabled": "yes"}, 400, "disabled: expected true or false"),
        ("/api/v1/users/vera", {"name": "v"}, 400, "unknown fields name"),
    ],
)
def test_a_bad_change_is_refused_saying_why(
    app: Harness, path: str, body: dict[str, Any], status: int, message: str
) -> None:
    answer = app.client.patch(path, json=body, headers=as_admin(app))

    assert answer.status_code == status
    assert answer.json()["error"]["message"].startswith(message)


def test_an_invalid_change_makes_no_change_at_all(app: Harness) -> None:
    body = {"role": "analyst", "password": "short"}

    app.client.patch("/api/v1/users/vera", json=body, headers=as_admin(app))

    user = app.auth.users.get("vera")
    assert user is not None and user.role == "viewer"


def test_a_user_makes_a_token_shown_once_that_acts_as_them(app: Harness) -> None:
    csrf = app.login("vera")

    made = app.client.post(
        "/api/v1/tokens",
        json={"name": "script", "expires_days": 30},
        headers={"X-CSRF-Token": csrf},
    )
    listed = app.client.get("/api/v1/tokens").json()["tokens"]
    token = made.json()["token"]

    assert made.status_code == 201
    assert (made.json()["user"], made.json()["expires"]) == ("vera", "2026-12-31T09:00:00Z")
    assert [(t["name"], "token" in t) for t in listed] == [("script", False)]
    me = app.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["user"] == "vera"
    assert actions(app, action="token.create") == [("vera", "token.create", made.json()["id"])]


def test_a_token_for_another_user_needs_an_admin(app: Harness) -> None:
    csrf = app.login("anna")
    body = {"name": "for vera", "user": "vera"}

    refused = app.client.post("/api/v1/tokens", json=body, headers={"X-CSRF-Token": csrf})
    made = app.client.post("/api/v1/tokens", json=body, headers=as_admin(app))

    assert refused.status_code == 403
    assert (made.status_code, made.json()["user"]) == (201, "vera")


def test_a_bad_token_request_is_refused_saying_why(app: Harness) -> None:
    headers = as_admin(app)

    no_name = app.client.post("/api/v1/tokens", json={}, headers=headers)
    bad_days = app.client.post(
        "/api/v1/tokens", json={"name": "t", "expires_days": 0}, headers=headers
    )
    no_user = app.client.post(
        "/api/v1/tokens", json={"name": "t", "user": "nobody"}, headers=headers
    )

    assert (no_name.status_code, bad_days.status_code, no_user.status_code) == (400, 400, 404)
    assert bad_days.json()["error"]["message"].startswith("expires_days: expected a number above 0")


def test_users_see_their_own_tokens_and_admins_see_all(app: Harness) -> None:
    app.token("vera")
    app.token("anna")
    vera = {"Authorization": f"Bearer {app.token('vera')}"}
    admin = {"Authorization": f"Bearer {app.token('adam')}"}

    own = app.client.get("/api/v1/tokens", headers=vera).json()["tokens"]
    everyone = app.client.get("/api/v1/tokens", headers=admin).json()["tokens"]
    of_anna = app.client.get("/api/v1/tokens?user=anna", headers=admin).json()["tokens"]
    refused = app.client.get("/api/v1/tokens?user=anna", headers=vera)

    assert {t["user"] for t in own} == {"vera"} and len(own) == 2
    assert len(everyone) == 4
    assert [t["user"] for t in of_anna] == ["anna"]
    assert refused.status_code == 403


def test_a_user_deletes_their_own_token_but_not_anothers(app: Harness) -> None:
    vera = {"Authorization": f"Bearer {app.token('vera')}"}
    own = app.auth.tokens.list()[0].id
    annas = app.auth.tokens.create(app.auth.users.get("anna"), "x").info.id  # type: ignore[arg-type]

    refused = app.client.delete(f"/api/v1/tokens/{annas}", headers=vera)
    deleted = app.client.delete(f"/api/v1/tokens/{own}", headers=vera)

    assert refused.status_code == 404
    assert deleted.json() == {"deleted": own}
    assert app.client.get("/api/v1/auth/me", headers=vera).status_code == 401
    assert actions(app, action="token.revoke") == [("vera", "token.revoke", own)]


def test_an_admin_deletes_any_token(app: Harness) -> None:
    annas = app.auth.tokens.create(app.auth.users.get("anna"), "x").info.id  # type: ignore[arg-type]

    answer = app.client.delete(f"/api/v1/tokens/{annas}", headers=as_admin(app))

    assert answer.json() == {"deleted": annas}


def test_the_audit_log_is_read_newest_first_a_page_at_a_time(app: Harness) -> None:
    app.client.post(LOGIN, json={"name": "vera", "password": "wrong password"})
    app.login("anna")
    app.login("adam")

    first = app.client.get("/api/v1/audit?limit=2").json()
    second = app.client.get(f"/api/v1/audit?limit=2&before={first['next']}").json()

    assert [(e["actor"], e["action"]) for e in first["entries"]] == [
        ("adam", "login.success"),
        ("anna", "login.success"),
    ]
    assert [(e["actor"], e["action"]) for e in second["entries"]] == [("vera", "login.failure")]
    assert second["next"] is None


def test_the_audit_log_can_be_filtered(app: Harness) -> None:
    app.client.post(LOGIN, json={"name": "vera", "password": "wrong password"})
    app.login("adam")

    failures = app.client.get("/api/v1/audit?action=login.failure").json()["entries"]
    of_adam = app.client.get("/api/v1/audit?actor=adam&since=1h").json()["entries"]

    assert [e["actor"] for e in failures] == ["vera"]
    assert [e["action"] for e in of_adam] == ["login.success"]


def test_the_audit_log_is_for_admins_only(app: Harness) -> None:
    app.login("anna")

    assert app.client.get("/api/v1/audit").status_code == 403


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=yesterday-ish", "since: "),
        ("limit=0", "limit: expected an integer from 1 to 500, found '0'"),
        ("before=x", "before: expected an integer"),
    ],
)
def test_bad_audit_parameters_are_refused_naming_them(
    app: Harness, query: str, message: str
) -> None:
    app.login("adam")

    answer = app.client.get(f"/api/v1/audit?{query}")

    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith(message)
