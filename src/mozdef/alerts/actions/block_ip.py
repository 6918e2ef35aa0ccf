"""Add the alert's source address to the IP block list.

The address is read from the alert at `field` (a dotted path into the alert
document, `details.sourceipaddress` by default), else from the same path inside the
first sample event's source. An alert without a valid address fails without retry:
trying again would find the same alert.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mozdef.alerts.actions.base import ActionContext
from mozdef.alerts.actions.blocklist import BlockList
from mozdef.alerts.actions.options import build_options
from mozdef.alerts.actions.render import alert_document, lookup, render
from mozdef.alerts.model import Alert
from mozdef.errors import ActionError, ConfigError

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class BlockIpOptions:
    field: str = "details.sourceipaddress"
    reason: str = "alert {rule_id}: {summary}"
    by: str = "mozdef-alerts"
    # Seconds the block lasts; none: until removed by hand.
    duration: float | None = None


class BlockIpAction:
    def __init__(
        self,
        options: BlockIpOptions,
        block_list: BlockList,
        *,
        name: str = "block_ip",
        clock: Clock | None = None,
    ) -> None:
        self.options = options
        self.block_list = block_list
        self.name = name
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    @classmethod
    def build(
        cls, options: Mapping[str, Any], *, name: str, context: ActionContext
    ) -> BlockIpAction:
        if context.block_list is None:
            raise ConfigError(f"actions.{name}", "block_ip", "a running block list to add to")
        parsed = build_options(BlockIpOptions, options, where=f"actions.{name}")
        return cls(parsed, context.block_list, name=name)

    def deliver(self, alert: Alert) -> str:
        document = alert_document(alert)
        address = self._address(document)
        expires = None
        if self.options.duration is not None:
            expires = self._clock() + dt.timedelta(seconds=self.options.duration)
        reason = str(render(self.options.reason, document))
        self.block_list.add(address, reason, self.options.by, expires)
        return f"blocked {address}"

    def _address(self, document: Mapping[str, Any]) -> str:
        value = lookup(document, self.options.field)
        if value is None and document["events"]:
            value = lookup(document["events"][0]["documentsource"], self.options.field)
        try:
            return str(ipaddress.ip_address(str(value)))
        except ValueError as error:
            reason = f"no IP address at {self.options.field} (found {value!r})"
            raise ActionError(self.name, reason, retryable=False) from error
