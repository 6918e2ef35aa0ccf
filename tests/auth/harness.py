"""What the auth tests share: a clock they move, cheap password hashing, and a small
app with the auth installed, the auth routes, and routes of each kind of need."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from mozdef.appdb import AppDb
from mozdef.auth import AttemptLimiter, Auth, Passwords, caller_of, install_auth, requires
from mozdef.config.settings import AuthSettings, Settings
from mozdef.web import auth_routes
from mozdef.web.responses import JSONResponse

START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
# The smallest argon2id cost: the tests check behaviour, not strength.
FAST = Passwords(time_cost=1, memory_kib=64, parallelism=1)
PASSWORD = "correct horse battery"


@dataclass
class Clock:
    now: dt.datetime = field(default=START)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


async def whoami(request: Request) -> Response:
    caller = caller_of(request)
    return JSONResponse({"user": caller.name if caller else None})


@requires("admin")
async def admin_only(request: Request) -> Response:
    return await whoami(request)


@requires("viewer")
async def viewer_post(request: Request) -> Response:
    return await whoami(request)


async def live(socket: WebSocket) -> None:
    await socket.accept()
    await socket.send_json({"user": socket.state.user.name})
    await socket.close()


def dummy_routes() -> list[Route | Mount | WebSocketRoute]:
    return [
        Route("/status", whoami, methods=["GET"]),
        Route("/events", whoami, methods=["POST"]),
        Route("/custom/{application}", whoami, methods=["POST"]),
        Route("/api/v1/things", whoami, methods=["GET", "POST", "DELETE"]),
        Route("/api/v1/admin-thing", admin_only, methods=["POST"]),
        Route("/api/v1/lookup", viewer_post, methods=["POST"]),
        Route("/elsewhere", whoami, methods=["GET"]),
        Mount("/api/v1/mounted", routes=[Route("/thing", admin_only, methods=["GET"])]),
        WebSocketRoute("/api/v1/live", live),
    ]


@dataclass
class Harness:
    client: TestClient
    auth: Auth
    clock: Clock

    def add(self, name: str, role: str, password: str = PASSWORD) -> None:
        self.auth.users.add(name, role, password)

    def login(self, name: str, password: str = PASSWORD) -> str:
        """Log in (the client keeps the cookie) and return the CSRF token."""
        answer = self.client.post("/api/v1/auth/login", json={"name": name, "password": password})
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["csrf_token"]
        return token

    def token(self, name: str) -> str:
        user = self.auth.users.get(name)
        assert user is not None
        return self.auth.tokens.create(user, "test").token


def harness(
    db: AppDb,
    *,
    intake_tokens: bool = False,
    secure_cookies: bool = False,
    client: tuple[str, int] = ("10.0.0.1", 50000),
) -> Harness:
    """The app on `db`; cookies without Secure by default, as the client talks plain HTTP."""
    app = Starlette(routes=[*dummy_routes(), *auth_routes.routes()])
    settings = Settings(
        auth=AuthSettings(intake_tokens=intake_tokens, secure_cookies=secure_cookies)
    )
    clock = Clock()
    limiter = AttemptLimiter(clock=lambda: clock.now.timestamp())
    auth = install_auth(app, settings, db, passwords=FAST, logins=limiter, clock=clock)
    return Harness(TestClient(app, client=client), auth, clock)
