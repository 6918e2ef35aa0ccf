"""SSH access to sensitive hosts, or by sensitive users: one alert per successful login.

`hosts` are hostname patterns (`*` and `?` wildcards); `users` are exact user names.
With neither configured the rule matches nothing.
"""

from __future__ import annotations

import datetime as dt

from mozdef.alerts.detections.forms import EventDetection, first_text
from mozdef.alerts.detections.meta import builtin
from mozdef.events.schema import Event
from mozdef.query.tree import MatchNone, Node, Term, Wildcard, and_, or_

RULE_ID = "ssh_access_sensitive"


def rule(
    *,
    hosts: tuple[str, ...] = (),
    users: tuple[str, ...] = (),
    window: dt.timedelta = dt.timedelta(minutes=15),
) -> EventDetection:
    watched: list[Node] = [Wildcard("hostname", pattern) for pattern in hosts]
    watched.extend(Term("details.username", user) for user in users)
    success = and_(Term("processname", "sshd"), Term("details.authstatus", "success"))
    query = and_(success, or_(*watched)) if watched else MatchNone()
    meta = builtin(
        RULE_ID,
        "SSH access to a sensitive host or by a sensitive user",
        severity="NOTICE",
        category="access",
        tags=("ssh",),
        window=window,
    )
    details = ("details.sourceipaddress", "details.username", "hostname")
    return EventDetection(meta, query, window=window, describe=_summary, details=details)


def _summary(event: Event) -> str:
    source = first_text(event, "details.sourceipaddress") or "unknown"
    user = first_text(event, "details.username") or "unknown"
    host = first_text(event, "hostname") or "unknown"
    return f"SSH login from {source} on {host} as user {user}"
