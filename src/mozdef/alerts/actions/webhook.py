"""POST (or PUT) the alert as JSON to any URL, shaped by an optional template.

Without a template the body is the whole alert document (see `render.alert_document`).
With one, the body is the template with its placeholders filled from the alert,
for example `{"text": "{severity}: {summary}", "source": "{details.sourceipaddress}"}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from mozdef.alerts.actions.base import ActionContext
from mozdef.alerts.actions.http import send_json
from mozdef.alerts.actions.options import build_options
from mozdef.alerts.actions.render import alert_document, render
from mozdef.alerts.model import Alert


@dataclass(frozen=True)
class WebhookOptions:
    url: str
    method: Literal["POST", "PUT", "PATCH"] = "POST"
    headers: dict[str, Any] = field(default_factory=dict)
    template: dict[str, Any] | None = None
    timeout: float = 10.0


class WebhookAction:
    def __init__(self, options: WebhookOptions, *, name: str = "webhook") -> None:
        self.options = options
        self.name = name

    @classmethod
    def build(
        cls, options: Mapping[str, Any], *, name: str, context: ActionContext
    ) -> WebhookAction:
        return cls(build_options(WebhookOptions, options, where=f"actions.{name}"), name=name)

    def deliver(self, alert: Alert) -> str:
        document = alert_document(alert)
        body = (
            document if self.options.template is None else render(self.options.template, document)
        )
        headers = {key: str(render(value, document)) for key, value in self.options.headers.items()}
        return send_json(
            self.options.url,
            body,
            action=self.name,
            method=self.options.method,
            headers=headers,
            timeout=self.options.timeout,
        )
