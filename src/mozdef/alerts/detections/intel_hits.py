"""One threat-intel indicator seen many times by Zeek's intel framework.

As MozDef: 10 hits or more on one indicator (`details.seenindicator`) in 2 minutes.
`sensors` keeps only hits reported by those Zeek hosts (empty: any host).
"""

from __future__ import annotations

import datetime as dt

from mozdef.alerts.detections.forms import Group, GroupDetection
from mozdef.alerts.detections.meta import builtin
from mozdef.query.tree import Exists, Node, Term, and_, or_

RULE_ID = "multiple_intel_hits"


def rule(
    *,
    threshold: int = 10,
    window: dt.timedelta = dt.timedelta(minutes=2),
    sensors: tuple[str, ...] = (),
) -> GroupDetection:
    clauses: list[Node] = [
        Term("category", "bro"),
        Term("source", "intel"),
        Exists("details.seenindicator"),
    ]
    if sensors:
        clauses.append(or_(*(Term("hostname", sensor) for sensor in sensors)))
    meta = builtin(
        RULE_ID,
        "Multiple threat-intel hits",
        severity="NOTICE",
        category="bro",
        tags=("nsm", "bro", "intel"),
        window=window,
    )
    return GroupDetection(
        meta,
        and_(*clauses),
        field="details.seenindicator",
        threshold=threshold,
        window=window,
        describe=_summary,
        top={"hostname": 3, "details.seenwhere": 3},
    )


def _summary(group: Group) -> str:
    sensors = ", ".join(host for host, _ in group.most("hostname"))
    where = ", ".join(place for place, _ in group.most("details.seenwhere"))
    return (
        f"{group.count} Zeek intel matches for indicator {group.value} on {sensors}"
        f" (seen in {where})"
    )
