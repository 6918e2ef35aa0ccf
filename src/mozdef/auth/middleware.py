"""The ASGI middleware that finds who is calling and applies the policy.

For each HTTP or WebSocket request it finds the route the router will run (to read
the need the route declared), or else asks the policy. An open request goes on at
once and no credential is looked at, so the intake pays nothing for auth unless
`auth.intake_tokens` is on. Otherwise the caller comes from `Authorization: Bearer
<token>` when that header is present, else from the session cookie; a request
changing something (any method but GET, HEAD, OPTIONS) that came with the cookie
must also carry the session's CSRF token in `X-CSRF-Token`. A browser sends the
cookie on its own but never that header to another site, so a page elsewhere cannot
act in the user's name; a token in a header needs no such proof.

The caller is then `request.state.user` (a `Caller`), or None on open routes.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from collections.abc import Iterable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request, cookie_parser
from starlette.responses import Response
from starlette.routing import BaseRoute, Host, Match, Mount
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketClose

from mozdef.appdb.db import AppDb
from mozdef.auth.audit import AuditLog
from mozdef.auth.context import Auth
from mozdef.auth.passwords import Passwords
from mozdef.auth.policy import (
    DEFAULT_POLICY,
    SAFE_METHODS,
    AccessDenied,
    Need,
    Policy,
    check_role,
    declared_need,
    unauthenticated,
)
from mozdef.auth.ratelimit import AttemptLimiter
from mozdef.auth.roles import Caller
from mozdef.auth.sessions import COOKIE, SessionStore
from mozdef.auth.tokens import TokenStore
from mozdef.auth.users import Clock, UserStore
from mozdef.config.settings import Settings
from mozdef.errors import AppDbError
from mozdef.logfmt import fields
from mozdef.web.responses import unavailable

log = logging.getLogger(__name__)

CSRF_HEADER = "x-csrf-token"


class SessionEnded(AccessDenied):
    """The cookie names no live session; the answer also deletes the cookie."""

    def __init__(self) -> None:
        super().__init__(401, "session_ended", "the session expired or ended: log in again")

    def response(self) -> Response:
        answer = super().response()
        answer.delete_cookie(COOKIE, path="/")
        return answer


class AuthMiddleware:
    def __init__(self, app: ASGIApp, *, auth: Auth, routes: Iterable[BaseRoute]) -> None:
        self.app = app
        self.auth = auth
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET")
        need = self._need(scope, method)
        if need == "open":
            await self.app(_with_user(scope, None), receive, send)
            return
        try:
            caller = await self._caller(Headers(scope=scope))
            _check(need, caller, method, Headers(scope=scope))
        except AccessDenied as denied:
            await _refuse(denied.response(), scope, receive, send)
            return
        except AppDbError as exc:
            log.error("auth.database_failed", extra=fields(path=scope["path"], error=exc))
            answer = unavailable("the application database cannot be read")
            await _refuse(answer, scope, receive, send)
            return
        await self.app(_with_user(scope, caller), receive, send)

    def _need(self, scope: Scope, method: str) -> Need:
        need = declared_need(_endpoint(self.routes, scope)) or self.auth.policy.need(
            method, scope["path"]
        )
        if need == "intake":
            return "viewer" if self.auth.settings.intake_tokens else "open"
        return need

    async def _caller(self, headers: Headers) -> Caller | None:
        authorization = headers.get("authorization")
        if authorization is not None:
            return await self._token_caller(authorization)
        session_id = cookie_parser(headers.get("cookie", "")).get(COOKIE)
        if not session_id:
            return None
        caller = await run_in_threadpool(self.auth.sessions.resolve, session_id)
        if caller is None:
            raise SessionEnded()
        return caller

    async def _token_caller(self, authorization: str) -> Caller:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            message = f"expected Authorization: Bearer <token>, found scheme {scheme!r}"
            raise AccessDenied(401, "unauthenticated", message)
        caller = await run_in_threadpool(self.auth.tokens.resolve, token.strip())
        if caller is None:
            message = "the API token is unknown or expired, or its user is disabled"
            raise AccessDenied(401, "invalid_token", message)
        return caller


def _check(need: Need, caller: Caller | None, method: str, headers: Headers) -> None:
    if caller is None:
        raise unauthenticated()
    if caller.via == "session" and method not in SAFE_METHODS:
        _check_csrf(caller, headers.get(CSRF_HEADER))
    if need != "open" and need != "intake":
        check_role(caller, need)


def _check_csrf(caller: Caller, sent: str | None) -> None:
    if not sent:
        message = "missing X-CSRF-Token header: send the csrf_token given by login or auth/me"
        raise AccessDenied(403, "csrf", message)
    expected = caller.csrf_token or ""
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise AccessDenied(403, "csrf", "X-CSRF-Token does not match this session's token")


def _endpoint(routes: Iterable[BaseRoute], scope: Scope) -> object:
    """The endpoint the router will run for `scope`, looking into mounted routers."""
    for route in routes:
        match, child = route.matches(scope)
        if match is not Match.FULL:
            continue
        inner = getattr(route, "routes", None) if isinstance(route, Mount | Host) else None
        if inner:
            return _endpoint(inner, {**scope, **child})
        return child.get("endpoint")
    return None


def _with_user(scope: Scope, caller: Caller | None) -> Scope:
    # A copy: the server's per-request state may be shared with the lifespan's.
    return {**scope, "state": {**scope.get("state", {}), "user": caller}}


async def _refuse(answer: Response, scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "websocket":
        # Closing before accepting makes the server answer the handshake with 403.
        await WebSocketClose(code=1008)(scope, receive, send)
        return
    await answer(scope, receive, send)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _denied(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AccessDenied)
    return exc.response()


def install_auth(
    app: Starlette,
    settings: Settings,
    db: AppDb,
    *,
    policy: Policy = DEFAULT_POLICY,
    passwords: Passwords | None = None,
    logins: AttemptLimiter | None = None,
    clock: Clock | None = None,
) -> Auth:
    """Put the auth middleware in front of `app`'s routes and keep its services as
    `app.state.auth`. Call it before the app starts; `passwords`, `logins` and `clock`
    exist for tests."""
    now = clock or _utc_now
    auth = Auth(
        settings=settings.auth,
        users=UserStore(db, passwords=passwords, clock=now),
        sessions=SessionStore(db, hours=settings.auth.session_hours, clock=now),
        tokens=TokenStore(db, clock=now),
        audit=AuditLog(db, clock=now),
        logins=logins or AttemptLimiter(),
        policy=policy,
        clock=now,
    )
    app.state.auth = auth
    app.add_middleware(AuthMiddleware, auth=auth, routes=app.router.routes)
    app.add_exception_handler(AccessDenied, _denied)
    return auth
