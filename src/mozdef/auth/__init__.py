"""Users, login sessions, API tokens, roles, CSRF protection and the audit log.

The web app calls `install_auth(app, settings, db)` once; routes declare the least
role they need with `@requires(...)`, or check inside with `require(request, role)`,
and record what they do with `audit(request, action, target, details)`.
"""

from mozdef.auth.audit import AuditEntry, AuditLog, AuditPage
from mozdef.auth.context import Auth, audit, auth_of
from mozdef.auth.middleware import AuthMiddleware, install_auth
from mozdef.auth.passwords import Passwords
from mozdef.auth.policy import (
    DEFAULT_POLICY,
    AccessDenied,
    Need,
    Policy,
    Rule,
    caller_of,
    require,
    requires,
)
from mozdef.auth.ratelimit import AttemptLimiter
from mozdef.auth.roles import ROLES, Caller, Role
from mozdef.auth.sessions import COOKIE, SessionStore
from mozdef.auth.tokens import ApiToken, NewToken, TokenStore
from mozdef.auth.users import User, UserStore, ensure_initial_admin

__all__ = [
    "COOKIE",
    "DEFAULT_POLICY",
    "ROLES",
    "AccessDenied",
    "ApiToken",
    "AttemptLimiter",
    "AuditEntry",
    "AuditLog",
    "AuditPage",
    "Auth",
    "AuthMiddleware",
    "Caller",
    "Need",
    "NewToken",
    "Passwords",
    "Policy",
    "Role",
    "Rule",
    "SessionStore",
    "TokenStore",
    "User",
    "UserStore",
    "audit",
    "auth_of",
    "caller_of",
    "ensure_initial_admin",
    "install_auth",
    "require",
    "requires",
]
