"""Every operation of the OpenAPI document that needs a user, against the app
create_app builds: refused without credentials, refused to the roles below the one
it documents, let through for that role, and, for a change made with the session
cookie, refused without the session's CSRF token.

Each test goes over the whole table and lists every operation that fails, so that
one run shows all of them. The application database is the PostgreSQL server in
MOZDEF_TEST_DATABASE_URL (see tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from mozdef.auth import ROLES, Role
from tests.web.permissions_harness import (
    Operation,
    Site,
    build_app,
    error_type,
    guarded_operations,
    open_site,
    outline,
    postgres_schema,
    refused,
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, postgres_server: Engine) -> Iterator[Site]:
    with postgres_schema(postgres_server) as database_url:
        app = build_app(tmp_path_factory.mktemp("permissions"), database_url)
        with TestClient(app, base_url="https://testserver") as client:
            yield open_site(client, app.state.auth)


@pytest.fixture(scope="module")
def document(site: Site) -> dict[str, Any]:
    answer = site.client.get("/api/v1/openapi.json")
    assert answer.status_code == 200, answer.text
    served: dict[str, Any] = answer.json()
    return served


@pytest.fixture(scope="module")
def operations(document: dict[str, Any]) -> list[Operation]:
    return guarded_operations(document)


@pytest.fixture(scope="module")
def changes(operations: list[Operation]) -> list[Operation]:
    return [operation for operation in operations if operation.changes]


def below(role: Role) -> tuple[Role, ...]:
    return ROLES[: ROLES.index(role)]


def enforced_role(site: Site, operation: Operation) -> str:
    """The least role whose API token the app lets through, or `nobody`."""
    for role in ROLES:
        if not refused(site.send(operation, site.users[role].bearer())):
            return role
    return "nobody"


def test_the_table_holds_the_operations_that_need_a_user(operations: list[Operation]) -> None:
    keys = {operation.key: operation.role for operation in operations}

    assert keys["GET /api/v1/alerts"] == "viewer"
    assert keys["DELETE /api/v1/suppressions/{suppression_id}"] == "analyst"
    assert keys["POST /api/v1/blocklist/protected"] == "admin"
    assert keys["GET /api/v1/live/events"] == "viewer"
    assert "POST /api/v1/auth/login" not in keys
    assert "GET /api/v1/live" not in keys


def test_without_credentials_every_operation_answers_401(
    site: Site, operations: list[Operation]
) -> None:
    answers = [(operation, site.send(operation, {})) for operation in operations]

    failed = [outline(op, answer) for op, answer in answers if answer.status_code != 401]

    assert failed == []


def test_the_documented_role_is_the_one_enforced(site: Site, operations: list[Operation]) -> None:
    enforced = {op.key: enforced_role(site, op) for op in operations}

    documented = {op.key: op.role for op in operations}

    assert enforced == documented


def test_a_role_below_the_documented_one_gets_403(site: Site, operations: list[Operation]) -> None:
    failed = []
    for operation in operations:
        for role in below(operation.role):
            answer = site.send(operation, site.users[role].bearer())
            if (answer.status_code, error_type(answer)) != (403, "forbidden"):
                failed.append(f"as {role}: {outline(operation, answer)}")

    assert failed == []


def test_the_documented_role_is_let_through_with_its_token(
    site: Site, operations: list[Operation]
) -> None:
    answers = [(op, site.send(op, site.users[op.role].bearer())) for op in operations]

    failed = [outline(op, answer) for op, answer in answers if refused(answer)]

    assert failed == []


def test_a_read_with_the_session_cookie_needs_no_csrf_token(
    site: Site, operations: list[Operation]
) -> None:
    reads = [op for op in operations if not op.changes]

    answers = [(op, site.send(op, site.users[op.role].cookie())) for op in reads]

    assert [outline(op, answer) for op, answer in answers if refused(answer)] == []


def test_a_change_with_the_session_cookie_but_no_csrf_token_gets_403(
    site: Site, changes: list[Operation]
) -> None:
    answers = [(op, site.send(op, site.users[op.role].cookie())) for op in changes]

    failed = [
        outline(op, answer)
        for op, answer in answers
        if (answer.status_code, error_type(answer)) != (403, "csrf")
    ]

    assert failed == []


def test_a_change_with_another_sessions_csrf_token_gets_403(
    site: Site, changes: list[Operation]
) -> None:
    failed = []
    for operation in changes:
        # The token of a live session, only not of this one.
        other = site.new_session(operation.role).csrf
        answer = site.send(operation, site.users[operation.role].cookie(csrf=other))
        if (answer.status_code, error_type(answer)) != (403, "csrf"):
            failed.append(outline(operation, answer))

    assert failed == []


def test_a_change_with_the_sessions_csrf_token_is_let_through(
    site: Site, changes: list[Operation]
) -> None:
    failed = []
    for operation in changes:
        # A session of its own: the change may end the session it came with (logout).
        session = site.new_session(operation.role)
        answer = site.send(operation, session.cookie(csrf=session.csrf))
        if refused(answer):
            failed.append(outline(operation, answer))

    assert failed == []


def test_a_change_with_a_bearer_token_needs_no_csrf_token(
    site: Site, changes: list[Operation]
) -> None:
    answers = [(op, site.send(op, site.users[op.role].bearer())) for op in changes]

    failed = [outline(op, answer) for op, answer in answers if refused(answer)]

    assert failed == []


def test_a_method_no_route_of_a_path_takes_answers_405_naming_every_method(site: Site) -> None:
    site.client.cookies.clear()
    admin = site.users[ROLES[-1]]

    answer = site.client.delete("/api/v1/suppressions", headers=admin.bearer())
    unknown = site.client.delete("/api/v1/no-such-thing", headers=admin.bearer())

    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, HEAD, POST"
    assert answer.json()["error"]["type"] == "method_not_allowed"
    assert answer.json()["error"]["allowed"] == ["GET", "HEAD", "POST"]
    assert unknown.status_code == 404
