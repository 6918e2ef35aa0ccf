import datetime as dt

from mozdef.alerts.actions.config import RetryPolicy, RouteConfig
from tests.alerts.actions.alerts import make_alert


def test_a_route_takes_a_rule_matching_its_glob() -> None:
    route = RouteConfig(action="slack", rules=("bruteforce_*",))

    assert route.accepts(make_alert(rule_id="bruteforce_ssh"))


def test_a_route_leaves_rules_outside_its_globs() -> None:
    route = RouteConfig(action="slack", rules=("cloudtrail_*", "duo_*"))

    assert not route.accepts(make_alert(rule_id="bruteforce_ssh"))


def test_a_route_leaves_alerts_below_its_severity() -> None:
    route = RouteConfig(action="pagerduty", min_severity="ERROR")

    assert not route.accepts(make_alert(severity="WARNING"))


def test_a_route_takes_alerts_above_its_severity() -> None:
    route = RouteConfig(action="pagerduty", min_severity="ERROR")

    assert route.accepts(make_alert(severity="CRITICAL"))


def test_retry_delays_double_up_to_the_maximum() -> None:
    policy = RetryPolicy(initial=dt.timedelta(seconds=1), maximum=dt.timedelta(seconds=5))

    delays = [policy.delay(attempt).total_seconds() for attempt in (1, 2, 3, 4)]

    assert delays == [1.0, 2.0, 4.0, 5.0]
