"""A network interface put in promiscuous mode, from kernel messages or auditd.

Container bridges (`veth*` interfaces) enter promiscuous mode as part of their
normal work and are left out. An alert per message, merged per host.
"""

from __future__ import annotations

import datetime as dt

from mozdef.alerts.detections.forms import EventDetection, first_text
from mozdef.alerts.detections.meta import builtin
from mozdef.events.schema import Event
from mozdef.query.tree import Bool, Phrase, Term, Wildcard

KERNEL_RULE_ID = "promisc_kernel"
AUDIT_RULE_ID = "promisc_audit"
WINDOW = dt.timedelta(minutes=2)


def kernel(*, window: dt.timedelta = WINDOW) -> EventDetection:
    query = Bool(
        must=(
            Term("category", "syslog"),
            Phrase("summary", "entered promiscuous mode"),
        ),
        must_not=(Wildcard("summary", "*veth*"),),
    )
    return _rule(KERNEL_RULE_ID, "kernel", query, window)


def audit(*, window: dt.timedelta = WINDOW) -> EventDetection:
    query = Bool(
        must=(
            Term("category", "promiscuous"),
            Phrase("summary", "promiscuous"),
            Phrase("summary", "on"),
        ),
        must_not=(Wildcard("details.dev", "veth*"),),
    )
    return _rule(AUDIT_RULE_ID, "audit", query, window)


def _rule(rule_id: str, origin: str, query: Bool, window: dt.timedelta) -> EventDetection:
    meta = builtin(
        rule_id,
        f"Promiscuous mode ({origin})",
        severity="CRITICAL",
        category="promisc",
        tags=("promisc", origin),
        window=window,
    )
    return EventDetection(
        meta, query, window=window, describe=_summary, dedup_field="hostname", details=("hostname",)
    )


def _summary(event: Event) -> str:
    return f"Promiscuous mode enabled on {first_text(event, 'hostname')}"
