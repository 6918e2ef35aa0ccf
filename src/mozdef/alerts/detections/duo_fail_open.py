"""Duo fail-open: the VPN let a user in on one factor because Duo could not be reached.

An alert per host on the first such message: the second factor was skipped.
"""

from __future__ import annotations

import datetime as dt

from mozdef.alerts.detections.forms import Group, GroupDetection
from mozdef.alerts.detections.meta import builtin
from mozdef.query.tree import Phrase

RULE_ID = "duo_fail_open"


def rule(*, window: dt.timedelta = dt.timedelta(minutes=15)) -> GroupDetection:
    meta = builtin(
        RULE_ID,
        "Duo fail-open",
        severity="WARNING",
        category="bypass",
        tags=("openvpn", "duosecurity"),
        window=window,
    )
    return GroupDetection(
        meta,
        Phrase("summary", "Failsafe Duo login"),
        field="hostname",
        threshold=1,
        window=window,
        describe=_summary,
    )


def _summary(group: Group) -> str:
    return f"DuoSecurity contact failed, fail open triggered on {group.value}"
