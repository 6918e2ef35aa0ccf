"""The auth services of one web app, and what a request handler asks of them.

`install_auth` (middleware.py) builds one `Auth` and keeps it as `app.state.auth`;
handlers reach it with `auth_of(request)` and record what they do with `audit`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from mozdef.auth.audit import AuditEntry, AuditLog
from mozdef.auth.policy import Policy, caller_of
from mozdef.auth.ratelimit import AttemptLimiter
from mozdef.auth.sessions import SessionStore
from mozdef.auth.tokens import TokenStore
from mozdef.auth.users import UserStore
from mozdef.config.settings import AuthSettings

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Auth:
    settings: AuthSettings
    users: UserStore
    sessions: SessionStore
    tokens: TokenStore
    audit: AuditLog
    logins: AttemptLimiter
    policy: Policy
    clock: Callable[[], dt.datetime]


def auth_of(request: Request) -> Auth:
    auth: Auth = request.app.state.auth
    return auth


def address_of(request: Request) -> str:
    """The client's address as the server saw it (behind a proxy, the proxy's, unless
    the server is told to trust its forwarded headers)."""
    return request.client.host if request.client else "unknown"


async def audit(
    request: Request,
    action: str,
    target: str,
    details: dict[str, Any],
    *,
    actor: str | None = None,
) -> AuditEntry:
    """Record `action` on `target` by the request's caller (or `actor`, for a request
    without one, such as a login), adding the client's address."""
    caller = caller_of(request)
    who = actor or (caller.name if caller else ANONYMOUS)
    log = auth_of(request).audit
    entry: AuditEntry = await run_in_threadpool(
        log.record, who, action, target, {**details, "address": address_of(request)}
    )
    return entry
