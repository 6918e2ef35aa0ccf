"""The app create_app builds, with its application database on the test PostgreSQL
server, a viewer, an analyst and an admin who each logged in and hold an API token,
and the table of the operations its OpenAPI document says need a user.

The table is read from the document the app serves, so that a route mounted later is
checked without anyone adding it here. Path parameters get a dummy value: the checks
only ask whether the auth let a request through, not what the route made of it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.testclient import TestClient

from mozdef.auth import COOKIE, ROLES, Auth, Role
from mozdef.config.settings import DatabaseSettings, Settings
from mozdef.intake.service import Intake
from mozdef.queue.memory import MemoryQueue
from mozdef.store.memory import MemoryStore
from mozdef.web.app import create_app
from tests.web.openapi_harness import FullNode

PASSWORD = "correct horse battery"
DUMMY = "no-such-id"
HTTP_METHODS = ("get", "head", "post", "put", "patch", "delete")
CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A stream that stays open would hold the test client for ever; these queries make its
# route answer at once with an error, after the auth has let the request through.
ENDING_QUERIES: Mapping[str, Mapping[str, str]] = {
    "GET /api/v1/live/events": {"topics": "no-such-topic"},
}
_PARAMETER = re.compile(r"\{[^}]*\}")


@dataclass(frozen=True)
class Operation:
    """One method of one route of the document, with the least role it documents."""

    method: str
    template: str
    role: Role
    query: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def path(self) -> str:
        return _PARAMETER.sub(DUMMY, self.template)

    @property
    def changes(self) -> bool:
        return self.method in CHANGES


class TableError(Exception):
    """The document lists an operation this table cannot check as it is."""


def guarded_operations(document: Mapping[str, Any]) -> list[Operation]:
    """Every operation of `document` that needs a user, but the WebSocket handshake."""
    found: list[Operation] = []
    for template, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS or operation["x-mozdef-role"] == "open":
                continue
            if operation.get("x-mozdef-websocket"):
                continue
            found.append(_operation(method.upper(), template, operation))
    return found


def _operation(method: str, template: str, operation: Mapping[str, Any]) -> Operation:
    key = f"{method} {template}"
    role = operation["x-mozdef-role"]
    if role not in ROLES:
        raise TableError(f"{key}: x-mozdef-role: expected one of {ROLES}, found {role!r}")
    if _streams(operation) and key not in ENDING_QUERIES:
        raise TableError(f"{key} answers a stream: add a query ending it to ENDING_QUERIES")
    return Operation(method, template, role, ENDING_QUERIES.get(key, {}))


def _streams(operation: Mapping[str, Any]) -> bool:
    answers = operation.get("responses", {}).values()
    return any("text/event-stream" in answer.get("content", {}) for answer in answers)


@dataclass(frozen=True)
class Credentials:
    """What one user holds: a session cookie with its CSRF token, and an API token."""

    name: str
    role: Role
    session: str
    csrf: str
    token: str

    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def cookie(self, *, csrf: str | None = None) -> dict[str, str]:
        """The session cookie, and `X-CSRF-Token: csrf` when given."""
        headers = {"Cookie": f"{COOKIE}={self.session}"}
        return headers if csrf is None else {**headers, "X-CSRF-Token": csrf}


@dataclass
class Site:
    client: TestClient
    auth: Auth
    users: dict[Role, Credentials]

    def send(self, operation: Operation, headers: Mapping[str, str]) -> httpx.Response:
        """`operation` with exactly `headers` as credentials: the client's cookie jar
        is emptied first, so that no earlier answer's cookie rides along."""
        self.client.cookies.clear()
        answer: httpx.Response = self.client.request(
            operation.method, operation.path, params=dict(operation.query), headers=dict(headers)
        )
        return answer

    def new_session(self, role: Role) -> Credentials:
        """Another session of the user of `role`, made as login makes one; for a request
        that may end its session (logout does)."""
        held = self.users[role]
        user = self.auth.users.get(held.name)
        assert user is not None
        made = self.auth.sessions.create(user)
        return Credentials(held.name, role, made.id, made.csrf_token, held.token)


def build_app(data_dir: Path, database_url: str) -> Starlette:
    """The app create_app builds for a process running every part; cookies keep the
    Secure flag of the default settings, so the client must talk to https://."""
    settings = Settings(data_dir=data_dir, database=DatabaseSettings(url=database_url))
    node = FullNode(settings, Intake(MemoryQueue()), MemoryStore())
    return create_app(node, manage=False)


def open_site(client: TestClient, auth: Auth) -> Site:
    """One user per role, logged in through the API, each with an API token."""
    users: dict[Role, Credentials] = {}
    for role in ROLES:
        name = f"{role}-user"
        user = auth.users.add(name, role, PASSWORD)
        session, csrf = log_in(client, name)
        users[role] = Credentials(name, role, session, csrf, auth.tokens.create(user, role).token)
    return Site(client, auth, users)


def log_in(client: TestClient, name: str) -> tuple[str, str]:
    """The session cookie and CSRF token of a login through POST /api/v1/auth/login."""
    answer = client.post("/api/v1/auth/login", json={"name": name, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    session = answer.cookies[COOKIE]
    client.cookies.clear()
    csrf: str = answer.json()["csrf_token"]
    return session, csrf


@contextmanager
def postgres_schema(server: Engine) -> Iterator[str]:
    """The URL of an empty schema on the test server, dropped afterwards."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with server.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = server.url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def refused(answer: httpx.Response) -> bool:
    return answer.status_code in (401, 403)


def error_type(answer: httpx.Response) -> str | None:
    """The `error.type` of a JSON error answer, else None."""
    try:
        body = answer.json()
    except ValueError:
        return None
    kind = body.get("error", {}).get("type") if isinstance(body, dict) else None
    return kind if isinstance(kind, str) else None


def outline(operation: Operation, answer: httpx.Response) -> str:
    """One line for a failure list: the operation and what it answered."""
    return f"{operation.key}: {answer.status_code} {answer.text[:160]}"
