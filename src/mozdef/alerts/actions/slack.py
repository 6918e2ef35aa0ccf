"""Post the alert to a Slack incoming webhook: a text line and Block Kit blocks.

The text is what notifications and clients without blocks show; the blocks give the
summary, then the rule, category, severity and count as fields, and a link to the
alert when it has a URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mozdef.alerts.actions.base import ActionContext
from mozdef.alerts.actions.http import send_json
from mozdef.alerts.actions.options import build_options
from mozdef.alerts.model import Alert


@dataclass(frozen=True)
class SlackOptions:
    url: str
    channel: str | None = None
    username: str | None = None
    timeout: float = 10.0


class SlackAction:
    def __init__(self, options: SlackOptions, *, name: str = "slack") -> None:
        self.options = options
        self.name = name

    @classmethod
    def build(cls, options: Mapping[str, Any], *, name: str, context: ActionContext) -> SlackAction:
        return cls(build_options(SlackOptions, options, where=f"actions.{name}"), name=name)

    def deliver(self, alert: Alert) -> str:
        body: dict[str, Any] = {"text": slack_text(alert), "blocks": slack_blocks(alert)}
        if self.options.channel:
            body["channel"] = self.options.channel
        if self.options.username:
            body["username"] = self.options.username
        return send_json(self.options.url, body, action=self.name, timeout=self.options.timeout)


def slack_text(alert: Alert) -> str:
    return f"[{alert.severity}] {alert.summary}"


def slack_blocks(alert: Alert) -> list[dict[str, Any]]:
    facts = {
        "Rule": alert.rule_id,
        "Category": alert.category,
        "Severity": alert.severity,
        "Count": str(alert.count),
    }
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": _escape(alert.summary)}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*{label}*\n{_escape(value)}"}
                for label, value in facts.items()
            ],
        },
    ]
    if alert.url:
        link = {"type": "mrkdwn", "text": f"<{alert.url}|Open the alert>"}
        blocks.append({"type": "context", "elements": [link]})
    return blocks


def _escape(text: str) -> str:
    # Slack reads these three characters as markup in mrkdwn text.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
