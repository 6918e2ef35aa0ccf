import pytest

from mozdef.alerts.actions.email import EmailAction, EmailOptions
from mozdef.errors import ActionError
from tests.alerts.actions.alerts import make_alert
from tests.alerts.actions.servers import smtp_server


def _options(port: int, *recipients: str) -> EmailOptions:
    return EmailOptions(
        host="127.0.0.1", port=port, sender="mozdef@example.org", recipients=recipients
    )


def test_the_message_reaches_every_recipient() -> None:
    with smtp_server() as mailbox:
        EmailAction(_options(mailbox.port, "a@example.org", "b@example.org")).deliver(make_alert())

    assert mailbox.envelopes == [("mozdef@example.org", ["a@example.org", "b@example.org"])]


def test_the_subject_names_severity_and_summary() -> None:
    with smtp_server() as mailbox:
        EmailAction(_options(mailbox.port, "a@example.org")).deliver(make_alert())

    # A long subject is folded onto a second header line; unfolded it reads as sent.
    subject = mailbox.messages[0]["Subject"].strip()
    assert subject == "[MozDef WARNING] 12 ssh bruteforce attempts by 203.0.113.9 web1 (12 hits)"


def test_the_body_is_plain_text_with_the_alert_fields() -> None:
    with smtp_server() as mailbox:
        EmailAction(_options(mailbox.port, "a@example.org")).deliver(make_alert())

    message = mailbox.messages[0]
    body = str(message.get_payload()).replace("\r\n", "\n")
    assert message.get_content_type() == "text/plain"
    assert "Rule: bruteforce_ssh\n" in body
    assert "sourceipaddress: 203.0.113.9\n" in body


def test_a_refused_recipient_is_not_retried() -> None:
    with smtp_server() as mailbox, pytest.raises(ActionError) as caught:
        mailbox.refuse.add("gone@example.org")
        EmailAction(_options(mailbox.port, "gone@example.org")).deliver(make_alert())

    assert caught.value.retryable is False
