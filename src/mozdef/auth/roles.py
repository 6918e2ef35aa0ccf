"""Roles, ordered so that each includes the ones below it, and the caller who has one.

    viewer < analyst < admin

A viewer reads, an analyst also works on alerts and incidents, an admin also manages
users and every API token. A route states the least role it needs; a caller with
that role or a higher one passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mozdef.errors import AccountError

Role = Literal["viewer", "analyst", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "analyst", "admin")

Via = Literal["session", "token"]


def includes(have: Role, need: Role) -> bool:
    """Whether a caller with role `have` may do what needs role `need`."""
    return ROLES.index(have) >= ROLES.index(need)


def parse_role(value: object) -> Role:
    """`value` as a role; raises AccountError naming the roles there are."""
    if value not in ROLES:
        expected = ", ".join(ROLES)
        raise AccountError("role", "invalid", f"expected one of {expected}, found {value!r}")
    return value


@dataclass(frozen=True)
class Caller:
    """Who made a request: the user, and how they proved it.

    `csrf_token` is the session's, for a caller that came with the session cookie;
    `credential` is the session's id hash or the API token's id, so that logout and
    token routes know which one was used.
    """

    id: str
    name: str
    role: Role
    via: Via
    credential: str
    csrf_token: str | None = None

    def has(self, need: Role) -> bool:
        return includes(self.role, need)
