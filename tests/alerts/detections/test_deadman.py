import pytest

from mozdef.alerts.detections import deadman
from mozdef.errors import ConfigError
from tests.alerts.detections.stored import NOW, event, minutes, stored

CLOUDTRAIL = {"description": "cloudtrail", "query": "source:cloudtrail", "window": 1200}


def test_no_matching_event_in_the_window_raises_an_alert() -> None:
    store = stored(event(source="cloudtrail", ago=minutes(30)))

    drafts = deadman.rule(checks=[CLOUDTRAIL]).run(store, now=NOW)

    assert [d.summary for d in drafts] == [
        "Deadman check failed for 'cloudtrail' the past 20 minutes"
    ]


def test_a_matching_event_in_the_window_raises_nothing() -> None:
    store = stored(event(source="cloudtrail", ago=minutes(5)))

    assert deadman.rule(checks=[CLOUDTRAIL]).run(store, now=NOW) == []


def test_each_silent_expected_host_raises_its_own_alert() -> None:
    check = {
        "description": "zeek",
        "query": "category:bro",
        "per": "hostname",
        "expected": ["nsm1", "nsm2", "nsm3"],
        "window": 600,
    }
    store = stored(event(category="bro", hostname="nsm2"))

    drafts = deadman.rule(checks=[check]).run(store, now=NOW)

    assert [d.summary for d in drafts] == [
        "No events from nsm1 for 'zeek' the past 10 minutes",
        "No events from nsm3 for 'zeek' the past 10 minutes",
    ]


def test_a_check_with_a_bad_query_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError) as caught:
        deadman.rule(checks=[{"query": "source:("}])

    assert caught.value.key == "detections.deadman.checks.0.query"
