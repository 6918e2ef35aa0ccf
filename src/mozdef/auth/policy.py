"""Who may call what: the policy as data, and the checks route handlers use.

A request needs one of
- `open`: anyone, no credentials looked at;
- `intake`: the event intake; open, or any user when `auth.intake_tokens` is on;
- `viewer`, `analyst`, `admin`: a user with at least that role (see roles.py).

A route states its need with the `requires` decorator on its endpoint; for one that
does not, the first rule of the policy matching the method and path decides, and
failing that the policy's `otherwise`. The default policy leaves the status and
intake endpoints open and asks for a viewer to read under /api/v1 and an analyst
to change anything there. A path that nothing names needs a viewer: what was
forgotten stays closed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any, Literal

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import compile_path

from mozdef.auth.roles import Caller, Role
from mozdef.web.responses import error

Need = Literal["open", "intake", "viewer", "analyst", "admin"]
Endpoint = Callable[[Request], Awaitable[Response]]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_NEED_ATTRIBUTE = "__mozdef_need__"


@dataclass(frozen=True)
class Rule:
    """`need` for requests whose path matches `path` (a route template such as
    `/custom/{application}`) and, when `methods` is given, whose method is one of them."""

    path: str
    need: Need
    methods: frozenset[str] | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.methods is not None and method not in self.methods:
            return False
        return _compiled(self.path).fullmatch(path) is not None


@dataclass(frozen=True)
class Policy:
    rules: tuple[Rule, ...]
    otherwise: Need = "viewer"

    def need(self, method: str, path: str) -> Need:
        for rule in self.rules:
            if rule.matches(method, path):
                return rule.need
        return self.otherwise

    def extended(self, *rules: Rule) -> Policy:
        """This policy with `rules` tried before its own."""
        return Policy((*rules, *self.rules), self.otherwise)


@functools.cache
def _compiled(template: str) -> re.Pattern[str]:
    return compile_path(template)[0]


def _rules(paths: Collection[str], need: Need, methods: Collection[str]) -> tuple[Rule, ...]:
    return tuple(Rule(path, need, frozenset(methods)) for path in paths)


_INTAKE_PATHS = (
    "/events",
    "/events/",
    "/nxlog",
    "/nxlog/",
    "/_bulk",
    "/{index}/_bulk",
    "/cef",
    "/custom/{application}",
)

DEFAULT_POLICY = Policy(
    (
        # `/` answers shippers that check for an Elasticsearch node before sending.
        *_rules(("/status", "/_status", "/"), "open", ("GET", "HEAD")),
        *_rules(("/test",), "open", ("GET", "POST")),
        *_rules(_INTAKE_PATHS, "intake", ("POST", "PUT")),
        Rule("/api/v1/{rest:path}", "viewer", SAFE_METHODS),
        Rule("/api/v1/{rest:path}", "analyst"),
    )
)


class AccessDenied(HTTPException):
    """401 when there is no (valid) caller, 403 when the caller may not do this."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(status, message)
        self.kind = kind
        self.message = message

    def response(self) -> Response:
        answer = error(self.status_code, self.kind, self.message)
        if self.status_code == 401:
            answer.headers["WWW-Authenticate"] = 'Bearer realm="mozdef"'
        return answer


def unauthenticated() -> AccessDenied:
    message = "log in, or send an API token as Authorization: Bearer <token>"
    return AccessDenied(401, "unauthenticated", message)


def check_role(caller: Caller | None, need: Role) -> Caller:
    """`caller` when it has role `need` or a higher one; raises AccessDenied otherwise."""
    if caller is None:
        raise unauthenticated()
    if not caller.has(need):
        message = f"needs the {need} role; user {caller.name} is {caller.role}"
        raise AccessDenied(403, "forbidden", message)
    return caller


def caller_of(request: Request) -> Caller | None:
    """The caller the auth middleware found, or None (also when it is not installed)."""
    caller: Caller | None = getattr(request.state, "user", None)
    return caller


def require(request: Request, need: Role) -> Caller:
    """The request's caller when it has role `need` or a higher one; raises AccessDenied
    (401 or 403) otherwise."""
    return check_role(caller_of(request), need)


def requires(need: Need) -> Callable[[Endpoint], Endpoint]:
    """Declare the need of a route's endpoint. The middleware enforces it before the
    route runs; the endpoint checks the role again, so that it stays closed in an app
    where the middleware was not installed."""

    def declare(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            if need != "open" and need != "intake":
                require(request, need)
            return await endpoint(request)

        setattr(guarded, _NEED_ATTRIBUTE, need)
        return guarded

    return declare


def declared_need(endpoint: Any) -> Need | None:
    """The need `requires` gave `endpoint`, or None."""
    need: Need | None = getattr(endpoint, _NEED_ATTRIBUTE, None)
    return need
