"""Which alerts go to which action, and how hard the dispatcher tries.

In the settings file, one `[[alerts.actions.routes]]` table per route:

    [[alerts.actions.routes]]
    name = "oncall"             # names the route in delivery records; defaults to action
    action = "pagerduty"        # a registry id: webhook, slack, email, pagerduty, block_ip
    rules = ["bruteforce_*"]    # globs over rule ids; default every rule
    min_severity = "WARNING"    # this severity and above
    options = { routing_key = "..." }
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mozdef.alerts.model import SEVERITIES, Alert, Severity


@dataclass(frozen=True)
class RouteConfig:
    action: str
    name: str = ""
    rules: tuple[str, ...] = ("*",)
    min_severity: Severity = "INFO"
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.name or self.action

    def accepts(self, alert: Alert) -> bool:
        """Whether this route takes `alert`: a rule glob matches and the severity is enough."""
        severe = SEVERITIES.index(alert.severity) >= SEVERITIES.index(self.min_severity)
        return severe and any(fnmatch.fnmatchcase(alert.rule_id, glob) for glob in self.rules)


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts in all (the first included); waits double from `initial` up to `maximum`."""

    attempts: int = 5
    initial: dt.timedelta = dt.timedelta(seconds=2)
    maximum: dt.timedelta = dt.timedelta(minutes=5)
    factor: float = 2.0

    def delay(self, attempt: int) -> dt.timedelta:
        """The wait before attempt number `attempt + 1`, after `attempt` failed ones."""
        seconds = self.initial.total_seconds() * self.factor ** max(attempt - 1, 0)
        return min(dt.timedelta(seconds=seconds), self.maximum)


@dataclass(frozen=True)
class ActionsConfig:
    routes: tuple[RouteConfig, ...] = ()
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # Deliveries waiting or due for retry; beyond it new ones are recorded as dropped.
    queue_size: int = 1000
    # Threads delivering at once: one hung endpoint holds one of them for its timeout.
    workers: int = 2
