"""Alert actions: deliver alerts to people and systems, off the engine's path.

A route sends the alerts of some rules, from some severity up, to one action
(webhook, Slack, e-mail, PagerDuty, block list); the Dispatcher delivers them from
worker threads with retries and keeps a record of every delivery.
"""

from mozdef.alerts.actions.base import Action, ActionContext
from mozdef.alerts.actions.blocklist import BlockEntry, BlockList, MemoryBlockList
from mozdef.alerts.actions.config import ActionsConfig, RetryPolicy, RouteConfig
from mozdef.alerts.actions.dispatcher import Dispatcher, Route
from mozdef.alerts.actions.records import (
    AppDbDeliveryLog,
    DeliveryLog,
    DeliveryRecord,
    MemoryDeliveryLog,
)
from mozdef.alerts.actions.registry import ACTIONS, build_action

__all__ = [
    "ACTIONS",
    "Action",
    "ActionContext",
    "ActionsConfig",
    "AppDbDeliveryLog",
    "BlockEntry",
    "BlockList",
    "DeliveryLog",
    "DeliveryRecord",
    "Dispatcher",
    "MemoryBlockList",
    "MemoryDeliveryLog",
    "RetryPolicy",
    "Route",
    "RouteConfig",
    "build_action",
]
