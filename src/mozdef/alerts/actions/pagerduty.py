"""Trigger a PagerDuty incident through the Events API v2 (`/v2/enqueue`).

The alert's dedup key becomes PagerDuty's `dedup_key`, so a repeated alert updates
the same incident instead of paging again. MozDef's five severities map onto
PagerDuty's four: INFO and NOTICE are `info`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mozdef.alerts.actions.base import ActionContext
from mozdef.alerts.actions.http import send_json
from mozdef.alerts.actions.options import build_options
from mozdef.alerts.model import Alert, Severity

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"

SEVERITY_MAP: dict[Severity, str] = {
    "INFO": "info",
    "NOTICE": "info",
    "WARNING": "warning",
    "ERROR": "error",
    "CRITICAL": "critical",
}

# PagerDuty refuses a summary longer than this.
MAX_SUMMARY = 1024


@dataclass(frozen=True)
class PagerDutyOptions:
    routing_key: str
    url: str = EVENTS_URL
    source: str = "mozdef"
    timeout: float = 10.0


class PagerDutyAction:
    def __init__(self, options: PagerDutyOptions, *, name: str = "pagerduty") -> None:
        self.options = options
        self.name = name

    @classmethod
    def build(
        cls, options: Mapping[str, Any], *, name: str, context: ActionContext
    ) -> PagerDutyAction:
        return cls(build_options(PagerDutyOptions, options, where=f"actions.{name}"), name=name)

    def deliver(self, alert: Alert) -> str:
        body = trigger_body(alert, routing_key=self.options.routing_key, source=self.options.source)
        return send_json(self.options.url, body, action=self.name, timeout=self.options.timeout)


def trigger_body(alert: Alert, *, routing_key: str, source: str) -> dict[str, Any]:
    """The Events API v2 body that triggers (or updates) the incident for `alert`."""
    body: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": alert.dedup_key or alert.id,
        "payload": {
            "summary": alert.summary[:MAX_SUMMARY],
            "source": source,
            "severity": SEVERITY_MAP[alert.severity],
            "timestamp": alert.utctimestamp.isoformat(),
            "component": alert.rule_id,
            "class": alert.category,
            "custom_details": {"count": alert.count, "tags": list(alert.tags), **alert.details},
        },
    }
    if alert.url:
        body["links"] = [{"href": alert.url, "text": "MozDef alert"}]
    return body
