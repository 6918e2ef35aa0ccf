from mozdef.alerts.actions.slack import SlackAction, SlackOptions
from tests.alerts.actions.alerts import make_alert
from tests.alerts.actions.servers import http_endpoint


def test_slack_gets_the_text_line() -> None:
    with http_endpoint() as endpoint:
        SlackAction(SlackOptions(url=endpoint.url)).deliver(make_alert())

    text = endpoint.received[0].body["text"]
    assert text == "[WARNING] 12 ssh bruteforce attempts by 203.0.113.9 web1 (12 hits)"


def test_slack_blocks_carry_the_rule_and_severity_fields() -> None:
    with http_endpoint() as endpoint:
        SlackAction(SlackOptions(url=endpoint.url)).deliver(make_alert())

    fields = endpoint.received[0].body["blocks"][1]["fields"]
    assert [field["text"] for field in fields] == [
        "*Rule*\nbruteforce_ssh",
        "*Category*\nbruteforce",
        "*Severity*\nWARNING",
        "*Count*\n12",
    ]


def test_slack_link_block_points_at_the_alert() -> None:
    with http_endpoint() as endpoint:
        alert = make_alert(url="https://mozdef.example/alerts/a1")
        SlackAction(SlackOptions(url=endpoint.url)).deliver(alert)

    link = endpoint.received[0].body["blocks"][2]["elements"][0]["text"]
    assert link == "<https://mozdef.example/alerts/a1|Open the alert>"


def test_slack_summary_markup_is_escaped() -> None:
    with http_endpoint() as endpoint:
        SlackAction(SlackOptions(url=endpoint.url)).deliver(make_alert(summary="a <b> & c"))

    assert endpoint.received[0].body["blocks"][0]["text"]["text"] == "a &lt;b&gt; &amp; c"


def test_slack_channel_is_sent_when_configured() -> None:
    with http_endpoint() as endpoint:
        SlackAction(SlackOptions(url=endpoint.url, channel="#sec")).deliver(make_alert())

    assert endpoint.received[0].body["channel"] == "#sec"
