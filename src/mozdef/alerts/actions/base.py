"""What an alert action is: something that delivers one alert somewhere, or raises.

An action's `deliver` may block (a network call) for up to its own timeout: the
dispatcher calls it from worker threads, never from the alert engine. It returns a
short note on the answer (`http 200`, `smtp 250`), kept in the delivery record, and
raises ActionError on failure, with `retryable` telling the dispatcher whether to try
again later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from mozdef.alerts.actions.blocklist import BlockList
from mozdef.alerts.model import Alert


class Action(Protocol):
    def deliver(self, alert: Alert) -> str: ...


@dataclass(frozen=True)
class ActionContext:
    """What actions may need besides their options: services of the running system."""

    block_list: BlockList | None = None


class ActionFactory(Protocol):
    def __call__(
        self, options: Mapping[str, Any], *, name: str, context: ActionContext
    ) -> Action: ...
