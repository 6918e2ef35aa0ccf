from mozdef.alerts.actions.pagerduty import PagerDutyAction, PagerDutyOptions
from tests.alerts.actions.alerts import make_alert
from tests.alerts.actions.servers import http_endpoint


def test_pagerduty_gets_an_events_v2_trigger() -> None:
    with http_endpoint(202, path="/v2/enqueue") as endpoint:
        action = PagerDutyAction(PagerDutyOptions(routing_key="R0UT1NG", url=endpoint.url))

        result = action.deliver(make_alert(severity="CRITICAL"))

    received = endpoint.received[0]
    assert (result, received.path) == ("http 202", "/v2/enqueue")
    assert received.body == {
        "routing_key": "R0UT1NG",
        "event_action": "trigger",
        "dedup_key": "bruteforce_ssh:203.0.113.9",
        "payload": {
            "summary": "12 ssh bruteforce attempts by 203.0.113.9 web1 (12 hits)",
            "source": "mozdef",
            "severity": "critical",
            "timestamp": "2026-03-01T12:00:00+00:00",
            "component": "bruteforce_ssh",
            "class": "bruteforce",
            "custom_details": {"count": 12, "tags": ["ssh"], "sourceipaddress": "203.0.113.9"},
        },
    }


def test_pagerduty_maps_notice_to_info() -> None:
    with http_endpoint(202) as endpoint:
        action = PagerDutyAction(PagerDutyOptions(routing_key="k", url=endpoint.url))
        action.deliver(make_alert(severity="NOTICE"))

    assert endpoint.received[0].body["payload"]["severity"] == "info"


def test_pagerduty_falls_back_to_the_alert_id_without_a_dedup_key() -> None:
    with http_endpoint(202) as endpoint:
        action = PagerDutyAction(PagerDutyOptions(routing_key="k", url=endpoint.url))
        action.deliver(make_alert(dedup_key=""))

    assert endpoint.received[0].body["dedup_key"] == "a1"
