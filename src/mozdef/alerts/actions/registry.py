"""Action ids to their classes, and building the actions a configuration names."""

from __future__ import annotations

from mozdef.alerts.actions.base import Action, ActionContext, ActionFactory
from mozdef.alerts.actions.block_ip import BlockIpAction
from mozdef.alerts.actions.config import RouteConfig
from mozdef.alerts.actions.email import EmailAction
from mozdef.alerts.actions.pagerduty import PagerDutyAction
from mozdef.alerts.actions.slack import SlackAction
from mozdef.alerts.actions.webhook import WebhookAction
from mozdef.errors import ConfigError

ACTIONS: dict[str, ActionFactory] = {
    "webhook": WebhookAction.build,
    "slack": SlackAction.build,
    "email": EmailAction.build,
    "pagerduty": PagerDutyAction.build,
    "block_ip": BlockIpAction.build,
}


def build_action(route: RouteConfig, *, context: ActionContext) -> Action:
    """The action behind `route`, its options checked; ConfigError names what is wrong."""
    factory = ACTIONS.get(route.action)
    if factory is None:
        expected = "one of " + ", ".join(sorted(ACTIONS))
        raise ConfigError(f"actions.{route.label}.action", route.action, expected)
    return factory(route.options, name=route.label, context=context)
