"""The middleware over a small app: who the caller is, roles, CSRF, open paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from mozdef.appdb import AppDb
from tests.auth.harness import PASSWORD, Harness, harness


@pytest.fixture
def db(tmp_path: Path) -> AppDb:
    return AppDb.in_folder(tmp_path)


@pytest.fixture
def app(db: AppDb) -> Harness:
    app = harness(db)
    for name, role in (("vera", "viewer"), ("anna", "analyst"), ("adam", "admin")):
        app.add(name, role)
    return app


def test_a_request_without_credentials_is_refused_with_401(app: Harness) -> None:
    answer = app.client.get("/api/v1/things")

    assert answer.status_code == 401
    assert answer.json()["error"]["type"] == "unauthenticated"
    assert answer.headers["www-authenticate"] == 'Bearer realm="mozdef"'


@pytest.mark.parametrize(
    ("user", "method", "path", "status"),
    [
        ("vera", "GET", "/api/v1/things", 200),
        ("vera", "POST", "/api/v1/things", 403),
        ("vera", "DELETE", "/api/v1/things", 403),
        ("vera", "POST", "/api/v1/lookup", 200),
        ("vera", "GET", "/elsewhere", 200),
        ("anna", "POST", "/api/v1/things", 200),
        ("anna", "DELETE", "/api/v1/things", 200),
        ("anna", "POST", "/api/v1/admin-thing", 403),
        ("anna", "GET", "/api/v1/mounted/thing", 403),
        ("adam", "POST", "/api/v1/admin-thing", 200),
        ("adam", "GET", "/api/v1/mounted/thing", 200),
    ],
)
def test_each_role_reaches_what_its_role_allows(
    app: Harness, user: str, method: str, path: str, status: int
) -> None:
    headers = {"Authorization": f"Bearer {app.token(user)}"}

    answer = app.client.request(method, path, headers=headers)

    assert answer.status_code == status
    if status == 200:
        assert answer.json() == {"user": user}


def test_a_refusal_for_a_low_role_names_the_role_needed_and_held(app: Harness) -> None:
    headers = {"Authorization": f"Bearer {app.token('anna')}"}

    answer = app.client.post("/api/v1/admin-thing", headers=headers)

    assert answer.json()["error"] == {
        "type": "forbidden",
        "message": "needs the admin role; user anna is analyst",
    }


def test_anonymous_requests_to_declared_routes_get_401(app: Harness) -> None:
    assert app.client.post("/api/v1/admin-thing").status_code == 401
    assert app.client.get("/api/v1/mounted/thing").status_code == 401


def test_the_session_cookie_makes_the_caller(app: Harness) -> None:
    app.login("vera")

    assert app.client.get("/api/v1/things").json() == {"user": "vera"}


def test_a_change_with_the_session_cookie_but_no_csrf_header_is_refused(app: Harness) -> None:
    app.login("anna")

    answer = app.client.post("/api/v1/things")

    assert answer.status_code == 403
    assert answer.json()["error"]["type"] == "csrf"
    assert "missing X-CSRF-Token" in answer.json()["error"]["message"]


def test_a_change_with_a_wrong_csrf_token_is_refused(app: Harness) -> None:
    app.login("anna")

    answer = app.client.post("/api/v1/things", headers={"X-CSRF-Token": "guessed"})

    assert answer.status_code == 403
    assert answer.json()["error"]["message"] == "X-CSRF-Token does not match this session's token"


def test_a_change_with_the_sessions_csrf_token_passes(app: Harness) -> None:
    csrf = app.login("anna")

    answer = app.client.delete("/api/v1/things", headers={"X-CSRF-Token": csrf})

    assert answer.json() == {"user": "anna"}


def test_another_sessions_csrf_token_does_not_pass(app: Harness) -> None:
    other = TestClient(app.client.app)
    answer = other.post("/api/v1/auth/login", json={"name": "adam", "password": PASSWORD})
    app.login("anna")

    stolen = {"X-CSRF-Token": answer.json()["csrf_token"]}
    refused = app.client.post("/api/v1/things", headers=stolen)

    assert refused.status_code == 403


def test_a_change_with_a_bearer_token_needs_no_csrf_token(app: Harness) -> None:
    headers = {"Authorization": f"Bearer {app.token('anna')}"}

    assert app.client.post("/api/v1/things", headers=headers).json() == {"user": "anna"}


def test_an_unknown_bearer_token_is_refused_even_with_a_good_cookie(app: Harness) -> None:
    app.login("vera")

    answer = app.client.get("/api/v1/things", headers={"Authorization": "Bearer mozdef_nope"})

    assert answer.status_code == 401
    assert answer.json()["error"]["type"] == "invalid_token"


def test_an_authorization_header_of_another_scheme_is_refused_naming_it(app: Harness) -> None:
    answer = app.client.get("/api/v1/things", headers={"Authorization": "Basic dmVyYTp4"})

    assert answer.status_code == 401
    assert "found scheme 'Basic'" in answer.json()["error"]["message"]


def test_an_expired_session_is_refused_and_its_cookie_deleted(app: Harness) -> None:
    app.login("vera")
    app.clock.advance(hours=12, seconds=1)

    answer = app.client.get("/api/v1/things")

    assert answer.status_code == 401
    assert answer.json()["error"]["type"] == "session_ended"
    assert answer.headers["set-cookie"].startswith('mozdef_session=""; expires=')


def test_a_session_of_a_user_disabled_since_is_refused(app: Harness) -> None:
    app.login("vera")

    app.auth.users.disable("vera")

    assert app.client.get("/api/v1/things").status_code == 401


def test_status_stays_open_and_looks_at_no_credentials(app: Harness) -> None:
    answer = app.client.get("/status", headers={"Authorization": "Bearer mozdef_nope"})

    assert answer.json() == {"user": None}


def test_intake_is_open_when_intake_tokens_are_off(app: Harness) -> None:
    assert app.client.post("/events").status_code == 200
    assert app.client.post("/custom/myapp").status_code == 200


def test_intake_needs_a_token_of_any_role_when_intake_tokens_are_on(db: AppDb) -> None:
    app = harness(db, intake_tokens=True)
    app.add("shipper", "viewer")

    anonymous = app.client.post("/events")
    token = {"Authorization": f"Bearer {app.token('shipper')}"}
    with_token = app.client.post("/events", headers=token)

    assert anonymous.status_code == 401
    assert with_token.json() == {"user": "shipper"}
    assert app.client.get("/status").status_code == 200


def test_a_websocket_without_a_user_is_closed_before_it_opens(app: Harness) -> None:
    with pytest.raises(WebSocketDisconnect) as caught, app.client.websocket_connect("/api/v1/live"):
        pass

    assert caught.value.code == 1008


def test_a_websocket_with_a_token_opens_as_its_user(app: Harness) -> None:
    headers = {"Authorization": f"Bearer {app.token('vera')}"}

    with app.client.websocket_connect("/api/v1/live", headers=headers) as socket:
        assert socket.receive_json() == {"user": "vera"}
