"""LDAP brute force against one user: many binds refused for bad credentials.

Reads LDAP events as MozDef's ldap plugin wrote them (`details.user`,
`details.client`, `details.server`, `details.response.error`). The window is
MozDef's (60 minutes); its shipped threshold of one failure is raised to 10 here, a
single mistyped password being no attack. `excluded_servers` leaves out events from
those LDAP servers.
"""

from __future__ import annotations

import datetime as dt

from mozdef.alerts.detections.forms import Group, GroupDetection
from mozdef.alerts.detections.meta import builtin
from mozdef.query.tree import Bool, Exists, Term

RULE_ID = "ldap_bruteforce_user"
MAX_CLIENTS = 10


def rule(
    *,
    threshold: int = 10,
    window: dt.timedelta = dt.timedelta(minutes=60),
    excluded_servers: tuple[str, ...] = (),
) -> GroupDetection:
    query = Bool(
        must=(
            Term("category", "ldap"),
            Term("details.response.error", "LDAP_INVALID_CREDENTIALS"),
            Exists("details.user"),
        ),
        must_not=(
            Term("details.user", ""),
            *(Term("details.server", server) for server in excluded_servers),
        ),
    )
    meta = builtin(
        RULE_ID,
        "LDAP brute force against a user",
        severity="WARNING",
        category="ldap",
        tags=("ldap",),
        window=window,
    )
    return GroupDetection(
        meta,
        query,
        field="details.user",
        threshold=threshold,
        window=window,
        describe=_summary,
        top={"details.client": MAX_CLIENTS},
    )


def _summary(group: Group) -> str:
    clients = group.distinct("details.client")
    more = "..." if len(clients) >= MAX_CLIENTS else ""
    return (
        f"LDAP brute force against user ({group.value}) "
        f"from source ip(s): {', '.join(clients)}{more}"
    )
