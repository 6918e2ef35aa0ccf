"""From the verified claims of an OpenID Connect ID token to a local user.

The user is the local user whose name is the `username_claim` (`preferred_username`
by default), created on first login, without a password, with the role the role
claim gives or else the default role. With a role claim configured, the role follows
it at every login, overriding a role set by hand (but the last enabled admin is never
demoted: the role is then kept and a warning logged); without one, the role is set
once and managed locally. A disabled user stays refused.

A role claim may hold a string or a list (such as `groups`); each value is looked up
in `role_map`, or must be a role name when the map is empty, and the highest role
found wins. A dotted claim name reaches into objects (`realm_access.roles`) when no
claim has that exact name.

A user made by an OIDC login is bound to its identity (`issuer|subject`, the
`external_id` column): a later login with that identity reaches that user, and no
other identity does. A local user of the same name that is not bound (a password
user, the first admin) is never taken over: the login is refused, naming the clash.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from mozdef.appdb.tables import users as table
from mozdef.auth.oidc import OidcError, OidcOptions
from mozdef.auth.roles import ROLES, Role, parse_role
from mozdef.auth.users import User, UserStore, check_name
from mozdef.errors import AccountError
from mozdef.logfmt import fields

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identity:
    name: str
    subject: str
    # `issuer|subject`: what binds a local user to this identity.
    external_id: str
    # The role the role claim gives; None without a role claim configured.
    role: Role | None


@dataclass(frozen=True)
class Account:
    user: User
    created: bool
    # The role before the role claim changed it; None when it did not.
    previous_role: Role | None = None


def identity_of(claims: Mapping[str, Any], options: OidcOptions) -> Identity:
    """The user name and role `claims` give; raises OidcError when they name no
    acceptable user."""
    name = claim(claims, options.username_claim)
    if not isinstance(name, str) or not name:
        message = f"the ID token has no {options.username_claim} claim to name the user"
        raise OidcError("invalid_username", message)
    try:
        check_name(name)
    except AccountError as exc:
        raise OidcError("invalid_username", str(exc), user=name[:64]) from None
    if options.username_claim == "email" or options.allowed_domains:
        _check_email(claims, options.allowed_domains, name)
    subject = str(claims.get("sub", ""))
    if not subject:
        raise OidcError("invalid_subject", "the ID token has no sub claim", user=name)
    external_id = f"{claims.get('iss', options.issuer)}|{subject}"
    return Identity(name, subject, external_id, _claimed_role(claims, options))


def user_for(users: UserStore, identity: Identity, options: OidcOptions) -> Account:
    """The enabled local user bound to `identity`, made on first login."""
    bound = _bound_name(users, identity.external_id)
    user = users.get(bound or identity.name)
    if user is None:
        return _add(users, identity, options)
    if bound is None:
        message = (
            f"a local user named {identity.name} exists and is not bound to this identity; "
            "it is not taken over by an OpenID Connect login"
        )
        raise OidcError("name_taken", message, user=identity.name)
    if user.disabled:
        raise OidcError("disabled", f"user {user.name} is disabled", user=user.name)
    if identity.role is None or identity.role == user.role:
        return Account(user, created=False)

    try:
        changed = users.set_role(user.name, identity.role)
    except AccountError as exc:
        log.warning("auth.oidc_role_kept", extra=fields(user=user.name, error=exc))
        return Account(user, created=False)
    log.info("auth.oidc_role_changed", extra=fields(user=user.name, role=changed.role))
    return Account(changed, created=False, previous_role=user.role)


def claim(claims: Mapping[str, Any], name: str) -> Any:
    """The claim called `name`, or reached by its dotted parts; None when absent."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _add(users: UserStore, identity: Identity, options: OidcOptions) -> Account:
    try:
        user = users.add(identity.name, identity.role or options.default_role, None)
    except AccountError:
        if users.get(identity.name) is None:
            raise
        # Another request made the same user a moment before (or a local one exists).
        return user_for(users, identity, options)
    _bind(users, user.name, identity.external_id)
    log.info("auth.oidc_user_added", extra=fields(user=user.name, role=user.role))
    return Account(user, created=True)


def _claimed_role(claims: Mapping[str, Any], options: OidcOptions) -> Role | None:
    if not options.role_claim:
        return None
    value = claim(claims, options.role_claim)
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    found = [_role_of(item, options) for item in values if isinstance(item, str)]
    roles = [role for role in found if role is not None]
    return max(roles, key=ROLES.index, default=options.default_role)


def _role_of(value: str, options: OidcOptions) -> Role | None:
    if options.role_map:
        return options.role_map.get(value)
    return parse_role(value) if value in ROLES else None


def _check_email(claims: Mapping[str, Any], allowed: tuple[str, ...], name: str) -> None:
    email = claims.get("email")
    if claims.get("email_verified") is False:
        message = f"the provider has not verified the e-mail address {email!r}"
        raise OidcError("email_not_verified", message, user=name)
    if not allowed:
        return
    domain = email.rpartition("@")[2].lower() if isinstance(email, str) and "@" in email else None
    if domain not in {item.lower() for item in allowed}:
        message = f"e-mail domain {domain!r} is not one of {', '.join(allowed)}"
        raise OidcError("domain_not_allowed", message, user=name)


def _bound_name(users: UserStore, external_id: str) -> str | None:
    """The name of the user bound to `external_id`, if any."""
    with users.db.begin() as connection:
        row = connection.execute(
            select(table.c.name).where(table.c.external_id == external_id)
        ).first()
    return None if row is None else str(row.name)


def _bind(users: UserStore, name: str, external_id: str) -> None:
    with users.db.begin() as connection:
        connection.execute(
            update(table).where(table.c.name == name).values(external_id=external_id)
        )
