"""SSH brute force: many failed sshd logins from one source address.

Reads what the sshd pipeline plugin writes (`details.authstatus`,
`details.sourceipaddress`). As MozDef: 10 failures or more in 2 minutes from one
address; the summary names the address and the five most hit hosts.
"""

from __future__ import annotations

import datetime as dt

from mozdef.alerts.detections.forms import Group, GroupDetection
from mozdef.alerts.detections.meta import builtin
from mozdef.query.tree import Bool, Term

RULE_ID = "bruteforce_ssh"


def rule(
    *,
    threshold: int = 10,
    window: dt.timedelta = dt.timedelta(minutes=2),
    skip_sources: tuple[str, ...] = (),
) -> GroupDetection:
    query = Bool(
        must=(Term("processname", "sshd"), Term("details.authstatus", "failed")),
        must_not=tuple(Term("details.sourceipaddress", address) for address in skip_sources),
    )
    meta = builtin(
        RULE_ID,
        "SSH brute force",
        severity="NOTICE",
        category="bruteforce",
        tags=("ssh",),
        window=window,
        description="Failed sshd logins from one source address",
    )
    return GroupDetection(
        meta,
        query,
        field="details.sourceipaddress",
        threshold=threshold,
        window=window,
        describe=_summary,
        top={"hostname": 5},
    )


def _summary(group: Group) -> str:
    hosts = "".join(f" {host} ({hits} hits)" for host, hits in group.most("hostname"))
    return f"{group.count} ssh bruteforce attempts by {group.value}{hosts}"
