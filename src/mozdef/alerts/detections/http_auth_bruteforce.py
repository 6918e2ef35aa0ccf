"""HTTP authentication brute force, as Zeek's notice reports it: one alert per notice."""

from __future__ import annotations

import datetime as dt

from mozdef.alerts.detections.forms import EventDetection, first_text
from mozdef.alerts.detections.meta import builtin
from mozdef.events.schema import Event
from mozdef.query.tree import Term, and_

RULE_ID = "http_auth_bruteforce"
NOTE = "AuthBruteforcing::HTTP_AuthBruteforcing_Attacker"


def rule(*, window: dt.timedelta = dt.timedelta(minutes=15)) -> EventDetection:
    query = and_(Term("category", "bro"), Term("source", "notice"), Term("details.note", NOTE))
    meta = builtin(
        RULE_ID,
        "HTTP authentication brute force",
        severity="WARNING",
        category="httperrors",
        tags=("http",),
        window=window,
    )
    return EventDetection(
        meta,
        query,
        window=window,
        describe=_summary,
        dedup_field="details.sourceipaddress",
        details=("details.sourceipaddress",),
    )


def _summary(event: Event) -> str:
    return f"{first_text(event, 'hostname')} {first_text(event, 'summary')}".strip()
