"""`/api/v1/auth/*`, `/api/v1/users`, `/api/v1/tokens`, `/api/v1/audit`: logging in and
out, managing users and API tokens, reading the audit log.

    POST   /api/v1/auth/login      {name, password} -> cookie, {user, role, csrf_token}
    GET    /api/v1/auth/oidc/login ?next=PATH -> 302 to the OpenID provider
    GET    /api/v1/auth/oidc/callback  the provider's answer -> cookie, 302 to next
    GET    /api/v1/auth/methods    open; {methods: [password, oidc?], oidc?: {login}}
    POST   /api/v1/auth/logout
    GET    /api/v1/auth/me         {user, role, via, csrf_token}
    GET    /api/v1/users           admin
    POST   /api/v1/users           admin, {name, role, password}
    PATCH  /api/v1/users/{name}    admin, any of {role, disabled, password}
    GET    /api/v1/tokens          one's own; an admin sees all, or ?user=NAME
    POST   /api/v1/tokens          {name, expires_days?, user?}; another user's: admin
    DELETE /api/v1/tokens/{id}     one's own; an admin any
    GET    /api/v1/audit           admin; ?actor= &action= &since= &before= &limit=

A refused login answers the same 401 whether the name exists or not (after the same
hashing work); only with the right password does a disabled user learn it is
disabled. Login takes a JSON body only: a form on another site can post a form
encoding but not JSON without the browser asking this server first.

OpenID Connect login (mozdef.auth.oidc) is on when the app has an `OidcClient`: the
one `install_oidc` gave it, or else one built on first use from `auth.oidc_issuer`,
`auth.oidc_client_id` and `auth.oidc_client_secret`. Its routes answer 404 when it is
off. A login through it makes the same session, cookie and CSRF token as a password
login (the page reads the token from auth/me); every refusal is a JSON error naming
the problem, recorded in the audit log as `login.failure` with `via: oidc`.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import urllib.parse
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from mozdef.auth.audit import MAX_PAGE
from mozdef.auth.context import ANONYMOUS, Auth, address_of, audit, auth_of
from mozdef.auth.oidc import (
    STATE_COOKIE,
    STATE_PATH,
    STATE_SECONDS,
    LoginState,
    OidcClient,
    OidcError,
    OidcOptions,
    safe_next,
    same,
)
from mozdef.auth.oidc_users import Account, identity_of, user_for
from mozdef.auth.passwords import check_password
from mozdef.auth.policy import Endpoint, require, requires
from mozdef.auth.roles import Caller, parse_role
from mozdef.auth.sessions import COOKIE, NewSession, digest
from mozdef.auth.tokens import ApiToken, check_label
from mozdef.auth.users import User, check_name
from mozdef.errors import AccountError, ConfigError, MozDefError
from mozdef.logfmt import fields
from mozdef.query.datemath import resolve_time
from mozdef.web.responses import BodyTooLarge, JSONResponse, error, read_body

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
MAX_TOKEN_DAYS = 3650
_WRONG = "wrong user name or password"
_STATUS = {"invalid": 400, "not_found": 404, "exists": 409, "last_admin": 409}


class Refused(Exception):
    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind


def _answering(endpoint: Endpoint) -> Endpoint:
    """Turn refusals and account errors raised by `endpoint` into JSON error answers."""

    @functools.wraps(endpoint)
    async def answer(request: Request) -> Response:
        try:
            return await endpoint(request)
        except Refused as refused:
            return error(refused.status, refused.kind, str(refused))
        except AccountError as exc:
            return error(_STATUS.get(exc.problem, 400), exc.problem, str(exc))

    return answer


async def _object(request: Request, *, allowed: frozenset[str]) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise Refused(415, "unsupported_media_type", "expected Content-Type: application/json")
    try:
        body = orjson.loads(await read_body(request, MAX_BODY))
    except BodyTooLarge:
        raise Refused(413, "body_too_large", f"expected at most {MAX_BODY} bytes") from None
    except orjson.JSONDecodeError as exc:
        raise Refused(400, "invalid_json", f"invalid JSON: {exc.msg} at char {exc.pos}") from None
    if not isinstance(body, dict):
        raise Refused(400, "invalid_json", "expected a JSON object")
    unknown = sorted(set(body) - allowed)
    if unknown:
        expected = ", ".join(sorted(allowed))
        raise Refused(400, "invalid", f"unknown fields {', '.join(unknown)}: expected {expected}")
    return body


def _time(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def _user_body(user: User) -> dict[str, Any]:
    return {
        "name": user.name,
        "role": user.role,
        "disabled": user.disabled,
        "created": _time(user.created),
    }


def _token_body(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "user": token.owner,
        "created": _time(token.created),
        "expires": _time(token.expires),
        "last_used": _time(token.last_used),
    }


@requires("open")
@_answering
async def login(request: Request) -> Response:
    auth = auth_of(request)
    body = await _object(request, allowed=frozenset({"name", "password"}))
    name, password = body.get("name"), body.get("password")
    if not isinstance(name, str) or not isinstance(password, str):
        raise Refused(400, "invalid", "expected name and password as strings")
    limited = _limited(auth, address_of(request), name)
    if limited is not None:
        return limited

    outcome = await run_in_threadpool(auth.users.authenticate, name, password)
    if outcome.result != "ok" or outcome.user is None:
        await audit(request, "login.failure", name, {"reason": outcome.result}, actor=name)
        if outcome.result == "disabled":
            return error(403, "disabled", f"user {name} is disabled")
        return error(401, "unauthenticated", _WRONG)

    session = await _new_session(request, auth, outcome.user)
    await audit(request, "login.success", name, {"via": "password"}, actor=name)
    return _logged_in(auth, outcome.user, session)


async def _new_session(request: Request, auth: Auth, user: User) -> NewSession:
    """A session for `user`, ending the one this browser had before."""
    earlier = request.cookies.get(COOKIE)
    if earlier:
        await run_in_threadpool(auth.sessions.delete, digest(earlier))
    return await run_in_threadpool(auth.sessions.create, user)


def _limited(auth: Auth, address: str, name: str) -> Response | None:
    """The 429 answer when this address or name tried too often, else None."""
    wait = auth.logins.attempt(f"address:{address}", f"name:{name.lower()[:64]}")
    if wait <= 0:
        return None
    log.warning("auth.login_limited", extra=fields(address=address, user=name[:64]))
    seconds = max(1, round(wait))
    message = f"too many login attempts: try again in {seconds} seconds"
    answer = error(429, "too_many_attempts", message)
    answer.headers["Retry-After"] = str(seconds)
    return answer


def _logged_in(auth: Auth, user: User, session: NewSession) -> Response:
    answer = JSONResponse({"user": user.name, "role": user.role, "csrf_token": session.csrf_token})
    _set_cookie(answer, auth, COOKIE, session.id, max_age=auth.sessions.seconds, path="/")
    return answer


def _set_cookie(
    answer: Response, auth: Auth, name: str, value: str, *, max_age: int, path: str
) -> None:
    answer.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        secure=auth.settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )


_OIDC = "oidc"


def install_oidc(app: Starlette, client: OidcClient | None) -> None:
    """Give `app` its OpenID Connect client (None: OIDC login off), instead of the one
    the auth settings would make."""
    setattr(app.state, _OIDC, client)


def oidc_of(request: Request) -> OidcClient:
    """The app's OIDC client; raises OidcError (404) when OIDC login is off."""
    state = request.app.state
    if not hasattr(state, _OIDC):
        install_oidc(request.app, _client_from_settings(auth_of(request)))
    client: OidcClient | None = getattr(state, _OIDC)
    if client is None:
        message = "OpenID Connect login is not configured: set auth.oidc_issuer and its client"
        raise OidcError("not_configured", message)
    return client


def _client_from_settings(auth: Auth) -> OidcClient | None:
    try:
        options = OidcOptions.from_settings(auth.settings)
    except ConfigError as exc:
        log.error("auth.oidc_misconfigured", extra=fields(error=exc))
        raise OidcError("misconfigured", f"OpenID Connect login is off: {exc}") from None
    return None if options is None else OidcClient(options, clock=auth.clock)


@requires("open")
async def methods(request: Request) -> Response:
    try:
        oidc_of(request)
    except OidcError:
        return JSONResponse({"methods": ["password"]})
    start = request.url_for("oidc_login").path
    return JSONResponse({"methods": ["password", "oidc"], "oidc": {"login": start}})


@requires("open")
async def oidc_login(request: Request) -> Response:
    path = STATE_PATH
    try:
        client = oidc_of(request)
        callback = _callback_url(request, client)
        path = _state_path(callback)
        next_path = safe_next(request.query_params.get("next"))
        url, login = await run_in_threadpool(client.begin, callback, next_path)
    except OidcError as exc:
        return await _oidc_refused(request, exc, path)

    answer = RedirectResponse(url, 302)
    sealed = client.seal(login)
    _set_cookie(answer, auth_of(request), STATE_COOKIE, sealed, max_age=STATE_SECONDS, path=path)
    return answer


@requires("open")
async def oidc_callback(request: Request) -> Response:
    auth, path = auth_of(request), STATE_PATH
    try:
        client = oidc_of(request)
        path = _state_path(_callback_url(request, client))
        login = client.unseal(request.cookies.get(STATE_COOKIE))
        claims = await run_in_threadpool(client.finish, login, _code(request, login))
        identity = identity_of(claims, client.options)
        account = await run_in_threadpool(user_for, auth.users, identity, client.options)
    except OidcError as exc:
        return await _oidc_refused(request, exc, path)

    await _record_account(request, account)
    name = account.user.name
    session = await _new_session(request, auth, account.user)
    await audit(request, "login.success", name, {"via": "oidc"}, actor=name)
    answer = RedirectResponse(login.next, 302)
    _set_cookie(answer, auth, COOKIE, session.id, max_age=auth.sessions.seconds, path="/")
    answer.delete_cookie(STATE_COOKIE, path=path)
    return answer


def _callback_url(request: Request, client: OidcClient) -> str:
    return client.options.redirect_url or str(request.url_for("oidc_callback"))


def _state_path(callback_url: str) -> str:
    """The login cookie's path: the callback's folder as the browser sees it, so that
    a proxy adding a prefix to the path does not hide the cookie from the callback."""
    return urllib.parse.urlsplit(callback_url).path.rpartition("/")[0] + "/"


def _code(request: Request, login: LoginState) -> str:
    """The authorization code the provider sent back for this browser's login."""
    params = request.query_params
    if not same(params.get("state", ""), login.state):
        message = (
            f"the state sent back is not this browser's login: start again at {STATE_PATH}login"
        )
        raise OidcError("bad_state", message)
    if "error" in params:
        reason = f"{params['error']} {params.get('error_description', '')}".strip()
        raise OidcError("provider_refused", f"the provider refused the login: {reason[:300]}")
    code = params.get("code")
    if not code:
        raise OidcError("missing_code", "the provider sent back no authorization code")
    return code


async def _record_account(request: Request, account: Account) -> None:
    name, role = account.user.name, account.user.role
    if account.created:
        await audit(request, "user.add", name, {"role": role, "via": "oidc"}, actor=name)
    if account.previous_role is not None:
        details = {"role": role, "from": account.previous_role, "via": "oidc"}
        await audit(request, "user.change", name, details, actor=name)


async def _oidc_refused(request: Request, exc: OidcError, path: str) -> Response:
    if exc.problem != "not_configured":
        log.warning("auth.oidc_refused", extra=fields(problem=exc.problem, user=exc.user))
        who = exc.user or ANONYMOUS
        details = {"via": "oidc", "reason": exc.problem, "message": str(exc)}
        await audit(request, "login.failure", who, details, actor=who)
    answer = error(exc.status, exc.problem, str(exc))
    answer.delete_cookie(STATE_COOKIE, path=path)
    return answer


@requires("viewer")
async def logout(request: Request) -> Response:
    caller = require(request, "viewer")
    if caller.via == "session":
        await run_in_threadpool(auth_of(request).sessions.delete, caller.credential)
    await audit(request, "logout", caller.name, {"via": caller.via})
    answer = JSONResponse({"logged_out": caller.via == "session"})
    answer.delete_cookie(COOKIE, path="/")
    return answer


@requires("viewer")
async def me(request: Request) -> Response:
    caller = require(request, "viewer")
    body = {"user": caller.name, "role": caller.role, "via": caller.via}
    return JSONResponse({**body, "csrf_token": caller.csrf_token})


@requires("admin")
async def list_users(request: Request) -> Response:
    users = await run_in_threadpool(auth_of(request).users.list)
    return JSONResponse({"users": [_user_body(user) for user in users]})


@requires("admin")
@_answering
async def add_user(request: Request) -> Response:
    body = await _object(request, allowed=frozenset({"name", "role", "password"}))
    name, role = check_name(body.get("name")), parse_role(body.get("role", "viewer"))
    password = check_password(body.get("password"))
    user = await run_in_threadpool(auth_of(request).users.add, name, role, password)
    await audit(request, "user.add", user.name, {"role": user.role})
    return JSONResponse(_user_body(user), 201)


@requires("admin")
@_answering
async def change_user(request: Request) -> Response:
    name = request.path_params["name"]
    body = await _object(request, allowed=frozenset({"role", "disabled", "password"}))
    if not body:
        raise Refused(400, "invalid", "expected at least one of role, disabled, password")
    if "disabled" in body and not isinstance(body["disabled"], bool):
        found = body["disabled"]
        raise Refused(400, "invalid", f"disabled: expected true or false, found {found!r}")
    user = await run_in_threadpool(_apply_changes, auth_of(request), name, body)
    changes = {key: "changed" if key == "password" else value for key, value in body.items()}
    await audit(request, "user.change", name, changes)
    return JSONResponse(_user_body(user))


def _apply_changes(auth: Auth, name: str, body: dict[str, Any]) -> User:
    """Check every change first, then make them: none is made when one is invalid."""
    role = parse_role(body["role"]) if "role" in body else None
    password = check_password(body["password"]) if "password" in body else None
    user = auth.users.get(name)
    if user is None:
        raise AccountError(f"user {name!r}", "not_found", "no such user")
    if role is not None:
        user = auth.users.set_role(name, role)
    if "disabled" in body:
        user = auth.users.disable(name, disabled=body["disabled"])
    if password is not None:
        user = auth.users.set_password(name, password)
    if user.disabled or password is not None:
        auth.sessions.delete_for_user(user.id)
    return user


@requires("viewer")
@_answering
async def create_token(request: Request) -> Response:
    caller = require(request, "viewer")
    body = await _object(request, allowed=frozenset({"name", "expires_days", "user"}))
    owner_name = body.get("user", caller.name)
    if owner_name != caller.name:
        require(request, "admin")
    auth = auth_of(request)
    owner = await run_in_threadpool(auth.users.get, str(owner_name))
    if owner is None:
        raise AccountError(f"user {owner_name!r}", "not_found", "no such user")
    label, lifetime = check_label(body.get("name")), _lifetime(body.get("expires_days"))
    made = await run_in_threadpool(auth.tokens.create, owner, label, lifetime=lifetime)
    details = {"name": made.info.name, "owner": owner.name, "expires": _time(made.info.expires)}
    await audit(request, "token.create", made.info.id, details)
    return JSONResponse({**_token_body(made.info), "token": made.token}, 201)


def _lifetime(days: object) -> dt.timedelta | None:
    if days is None:
        return None
    if isinstance(days, int | float) and not isinstance(days, bool) and 0 < days <= MAX_TOKEN_DAYS:
        return dt.timedelta(days=days)
    message = f"expires_days: expected a number above 0 and at most {MAX_TOKEN_DAYS}"
    raise Refused(400, "invalid", f"{message}, found {days!r}")


@requires("viewer")
async def list_tokens(request: Request) -> Response:
    caller = require(request, "viewer")
    auth = auth_of(request)
    wanted = request.query_params.get("user")
    if caller.has("admin") and wanted is None:
        tokens = await run_in_threadpool(auth.tokens.list)
    else:
        if wanted not in (None, caller.name):
            require(request, "admin")
        owner = await run_in_threadpool(auth.users.get, wanted or caller.name)
        tokens = [] if owner is None else await run_in_threadpool(auth.tokens.list, owner=owner)
    return JSONResponse({"tokens": [_token_body(token) for token in tokens]})


@requires("viewer")
async def delete_token(request: Request) -> Response:
    caller = require(request, "viewer")
    token_id = request.path_params["token_id"]
    auth = auth_of(request)
    token = await run_in_threadpool(auth.tokens.get, token_id)
    # Another user's token is as unknown as a missing one, unless one is an admin.
    if token is None or not _may_manage(caller, token):
        return error(404, "not_found", f"token {token_id}: no such token")
    await run_in_threadpool(auth.tokens.revoke, token_id)
    await audit(request, "token.revoke", token_id, {"name": token.name, "owner": token.owner})
    return JSONResponse({"deleted": token_id})


def _may_manage(caller: Caller, token: ApiToken) -> bool:
    return token.owner == caller.name or caller.has("admin")


@requires("admin")
@_answering
async def list_audit(request: Request) -> Response:
    params, auth = request.query_params, auth_of(request)
    since = params.get("since")
    try:
        moment = None if not since else resolve_time(since, now=auth.clock())
    except MozDefError as exc:
        raise Refused(400, "invalid", f"since: {exc}") from None
    page = await run_in_threadpool(
        functools.partial(
            auth.audit.page,
            actor=params.get("actor"),
            action=params.get("action"),
            since=moment,
            before=_positive(params.get("before"), "before", 2**62),
            limit=_positive(params.get("limit"), "limit", MAX_PAGE) or 50,
        )
    )
    return JSONResponse({"entries": [e.as_dict() for e in page.entries], "next": page.next})


def _positive(text: str | None, name: str, high: int) -> int | None:
    if text is None:
        return None
    if not text.isdigit() or not 1 <= int(text) <= high:
        message = f"{name}: expected an integer from 1 to {high}, found {text!r}"
        raise Refused(400, "invalid", message)
    return int(text)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/auth/login", login, methods=["POST"]),
        Route("/api/v1/auth/methods", methods, methods=["GET"]),
        Route(f"{STATE_PATH}login", oidc_login, methods=["GET"], name="oidc_login"),
        Route(f"{STATE_PATH}callback", oidc_callback, methods=["GET"], name="oidc_callback"),
        Route("/api/v1/auth/logout", logout, methods=["POST"]),
        Route("/api/v1/auth/me", me, methods=["GET"]),
        Route("/api/v1/users", list_users, methods=["GET"]),
        Route("/api/v1/users", add_user, methods=["POST"]),
        Route("/api/v1/users/{name}", change_user, methods=["PATCH"]),
        Route("/api/v1/tokens", list_tokens, methods=["GET"]),
        Route("/api/v1/tokens", create_token, methods=["POST"]),
        Route("/api/v1/tokens/{token_id}", delete_token, methods=["DELETE"]),
        Route("/api/v1/audit", list_audit, methods=["GET"]),
    ]
