"""What an alert plugin is: a step that enriches a draft before the engine saves it.

The engine (`mozdef.alerts.engine.AlertSink`) calls every plugin in list order on
each draft that survived the suppressions, before deduplication: a plugin sees
every raised draft, including those that end up merged into an open alert.

A plugin returns the draft to keep, usually `dataclasses.replace(draft, ...)`
with more `details` or tags; it must not return a draft of another rule (the
engine refuses a changed `rule_id`). A plugin that raises is skipped for that
draft: the engine logs it, counts it under the plugin's name and goes on with the
draft as it was before the call.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from mozdef.alerts.model import AlertDraft


class AlertPlugin(Protocol):
    """What the engine needs of an alert plugin."""

    def on_alert(self, draft: AlertDraft) -> AlertDraft: ...


class BaseAlertPlugin:
    """A base for alert plugins: `name` identifies it in logs and counters."""

    name: ClassVar[str] = ""

    def on_alert(self, draft: AlertDraft) -> AlertDraft:
        raise NotImplementedError


def alert_plugin_name(plugin: object) -> str:
    """The name that counters and logs use for `plugin`: its `name`, else its class."""
    name = getattr(plugin, "name", None)
    if isinstance(name, str) and name:
        return name
    return type(plugin).__name__
