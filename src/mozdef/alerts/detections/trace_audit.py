"""strace or ptrace run on a system, per original user (auditd), from the first use.

`skip_hosts` leaves out hosts where tracing is part of the work (build machines).
"""

from __future__ import annotations

import datetime as dt

from mozdef.alerts.detections.forms import Group, GroupDetection
from mozdef.alerts.detections.meta import builtin
from mozdef.query.tree import Bool, Term, or_

RULE_ID = "trace_audit"


def rule(
    *,
    threshold: int = 1,
    window: dt.timedelta = dt.timedelta(minutes=5),
    skip_hosts: tuple[str, ...] = (),
) -> GroupDetection:
    query = Bool(
        must=(or_(Term("details.processname", "strace"), Term("details.syscall", "ptrace")),),
        must_not=tuple(Term("hostname", host) for host in skip_hosts),
    )
    meta = builtin(
        RULE_ID,
        "strace or ptrace use",
        severity="WARNING",
        category="trace",
        tags=("audit",),
        window=window,
    )
    return GroupDetection(
        meta,
        query,
        field="details.originaluser",
        threshold=threshold,
        window=window,
        describe=_summary,
        top={"hostname": 5},
    )


def _summary(group: Group) -> str:
    hosts = group.most("hostname")
    where = "".join(f" on {host} ({hits} runs)" for host, hits in hosts) if len(hosts) > 1 else ""
    return f"{group.count} instance(s) of strace or ptrace run by {group.value}{where}"
