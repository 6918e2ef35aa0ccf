"""AWS CloudTrail logging turned off: a StopLogging or DeleteTrail call that succeeded."""

from __future__ import annotations

import datetime as dt

from mozdef.alerts.detections.forms import EventDetection, first_text
from mozdef.alerts.detections.meta import builtin
from mozdef.events.schema import Event
from mozdef.query.tree import Bool, Term, or_

RULE_ID = "cloudtrail_logging_disabled"


def rule(*, window: dt.timedelta = dt.timedelta(minutes=30)) -> EventDetection:
    query = Bool(
        must=(
            Term("source", "cloudtrail"),
            or_(Term("details.eventname", "StopLogging"), Term("details.eventname", "DeleteTrail")),
        ),
        must_not=(Term("details.errorcode", "AccessDenied"),),
    )
    meta = builtin(
        RULE_ID,
        "CloudTrail logging disabled",
        severity="CRITICAL",
        category="AWSCloudtrail",
        tags=("cloudtrail", "aws"),
        window=window,
    )
    details = ("details.eventname", "details.requestparameters.name")
    return EventDetection(meta, query, window=window, describe=_summary, details=details)


def _summary(event: Event) -> str:
    trail = first_text(event, "details.requestparameters.name") or "unknown trail"
    if first_text(event, "details.eventname") == "DeleteTrail":
        return f"Cloudtrail Trail Deleted: {trail}"
    return f"Cloudtrail Logging Disabled: {trail}"
