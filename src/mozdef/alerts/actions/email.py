"""Send the alert as a plain-text e-mail over SMTP.

`security` is `none` (plain SMTP, for a relay on the local network), `starttls`
(upgrade on the usual submission port) or `ssl` (TLS from the first byte). A login
is attempted only when a username is set. A 4xx reply or a lost connection is
worth retrying; a 5xx reply (a refused sender or recipient) is not.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Literal

from mozdef.alerts.actions.base import ActionContext
from mozdef.alerts.actions.options import build_options
from mozdef.alerts.actions.render import alert_document, render
from mozdef.alerts.model import Alert
from mozdef.errors import ActionError

DEFAULT_SUBJECT = "[MozDef {severity}] {summary}"


@dataclass(frozen=True)
class EmailOptions:
    host: str
    sender: str
    recipients: tuple[str, ...]
    port: int = 25
    security: Literal["none", "starttls", "ssl"] = "none"
    username: str | None = None
    password: str | None = None
    subject: str = DEFAULT_SUBJECT
    timeout: float = 10.0


class EmailAction:
    def __init__(self, options: EmailOptions, *, name: str = "email") -> None:
        self.options = options
        self.name = name

    @classmethod
    def build(cls, options: Mapping[str, Any], *, name: str, context: ActionContext) -> EmailAction:
        return cls(build_options(EmailOptions, options, where=f"actions.{name}"), name=name)

    def deliver(self, alert: Alert) -> str:
        message = email_message(alert, self.options)
        try:
            with self._connect() as client:
                self._secure(client)
                refused = client.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            permanent = all(code >= 500 for code, _ in error.recipients.values())
            reason = f"recipients refused: {sorted(error.recipients)}"
            raise ActionError(self.name, reason, retryable=not permanent) from error
        except smtplib.SMTPResponseException as error:
            raise ActionError(
                self.name,
                f"smtp {error.smtp_code} {error.smtp_error!r}",
                retryable=error.smtp_code < 500,
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            raise ActionError(self.name, f"smtp {self.options.host}: {error}") from error
        if refused:
            raise ActionError(self.name, f"recipients refused: {sorted(refused)}", retryable=False)
        return f"smtp accepted {len(self.options.recipients)} recipient(s)"

    def _connect(self) -> smtplib.SMTP:
        options = self.options
        if options.security == "ssl":
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(
                options.host, options.port, timeout=options.timeout, context=context
            )
        return smtplib.SMTP(options.host, options.port, timeout=options.timeout)

    def _secure(self, client: smtplib.SMTP) -> None:
        if self.options.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if self.options.username:
            client.login(self.options.username, self.options.password or "")


def email_message(alert: Alert, options: EmailOptions) -> EmailMessage:
    document = alert_document(alert)
    message = EmailMessage()
    message["From"] = options.sender
    message["To"] = ", ".join(options.recipients)
    message["Subject"] = str(render(options.subject, document)).replace("\n", " ")
    message.set_content(email_body(document))
    return message


def email_body(document: Mapping[str, Any]) -> str:
    lines = [
        str(document["summary"]),
        "",
        f"Rule: {document['rule_id']}",
        f"Category: {document['category']}",
        f"Severity: {document['severity']}",
        f"Count: {document['count']}",
        f"First seen: {document['utctimestamp']}",
        f"Tags: {', '.join(document['tags'])}",
    ]
    if document.get("url"):
        lines.append(f"Link: {document['url']}")
    lines.extend(f"{key}: {value}" for key, value in sorted(document["details"].items()))
    return "\n".join(lines) + "\n"
