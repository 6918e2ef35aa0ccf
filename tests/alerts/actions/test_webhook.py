import pytest

from mozdef.alerts.actions.webhook import WebhookAction, WebhookOptions
from mozdef.errors import ActionError
from tests.alerts.actions.alerts import make_alert
from tests.alerts.actions.servers import http_endpoint


def test_the_body_is_the_template_filled_from_the_alert() -> None:
    with http_endpoint() as endpoint:
        template = {"text": "{severity}: {summary}", "ip": "{details.sourceipaddress}"}
        action = WebhookAction(WebhookOptions(url=endpoint.url, template=template))

        action.deliver(make_alert())

    assert endpoint.received[0].body == {
        "text": "WARNING: 12 ssh bruteforce attempts by 203.0.113.9 web1 (12 hits)",
        "ip": "203.0.113.9",
    }


def test_without_a_template_the_body_is_the_alert_document() -> None:
    with http_endpoint() as endpoint:
        WebhookAction(WebhookOptions(url=endpoint.url)).deliver(make_alert())

    body = endpoint.received[0].body
    assert (body["id"], body["rule_id"], body["count"]) == ("a1", "bruteforce_ssh", 12)


def test_configured_headers_and_method_are_sent() -> None:
    with http_endpoint() as endpoint:
        options = WebhookOptions(url=endpoint.url, method="PUT", headers={"X-Token": "s3cret"})
        WebhookAction(options).deliver(make_alert())

    received = endpoint.received[0]
    assert (received.method, received.headers["X-Token"]) == ("PUT", "s3cret")


def test_a_client_error_is_not_worth_retrying() -> None:
    with http_endpoint(400) as endpoint, pytest.raises(ActionError) as caught:
        WebhookAction(WebhookOptions(url=endpoint.url)).deliver(make_alert())

    assert caught.value.retryable is False


def test_a_server_error_is_worth_retrying() -> None:
    with http_endpoint(503) as endpoint, pytest.raises(ActionError) as caught:
        WebhookAction(WebhookOptions(url=endpoint.url)).deliver(make_alert())

    assert caught.value.retryable is True


def test_an_unreachable_endpoint_is_worth_retrying() -> None:
    with http_endpoint() as endpoint:
        url = endpoint.url
    with pytest.raises(ActionError) as caught:
        WebhookAction(WebhookOptions(url=url, timeout=2)).deliver(make_alert())

    assert caught.value.retryable is True
