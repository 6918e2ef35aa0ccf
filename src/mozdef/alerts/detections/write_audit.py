"""Writes to audited paths (auditd watches keyed `audit`), per original user.

As MozDef: two writes or more in 15 minutes by one user, leaving out processes known
to write there (`skip_processes`). `paths` narrows the rule to path prefixes when
the watch rules cover more than should alert.
"""

from __future__ import annotations

import datetime as dt

from mozdef.alerts.detections.forms import Group, GroupDetection
from mozdef.alerts.detections.meta import builtin
from mozdef.query.tree import Bool, Node, Term, Wildcard, or_

RULE_ID = "write_audit"


def rule(
    *,
    threshold: int = 2,
    window: dt.timedelta = dt.timedelta(minutes=15),
    skip_processes: tuple[str, ...] = (),
    paths: tuple[str, ...] = (),
) -> GroupDetection:
    must: list[Node] = [Term("category", "write"), Term("details.auditkey", "audit")]
    if paths:
        must.append(or_(*(Wildcard("details.path", _prefix(path)) for path in paths)))
    query = Bool(
        must=tuple(must),
        must_not=tuple(Term("details.processname", name) for name in skip_processes),
    )
    meta = builtin(
        RULE_ID,
        "Writes to audited paths",
        severity="WARNING",
        category="write",
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


def _prefix(path: str) -> str:
    escaped = path.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")
    return escaped + "*"


def _summary(group: Group) -> str:
    hosts = group.most("hostname")
    where = "".join(f" on {host} ({hits} writes)" for host, hits in hosts) if len(hosts) > 1 else ""
    return f"{group.count} filesystem write(s) to an audited path by {group.value}{where}"
