import datetime as dt

from mozdef.alerts.detections import late_events
from mozdef.events.schema import Event
from tests.alerts.detections.stored import NOW, event, stored, streamed


def _received(*, happened_ago: dt.timedelta, received_ago: dt.timedelta) -> Event:
    late = event(ago=happened_ago, mozdefhostname="mozdef2")
    late["receivedtimestamp"] = (NOW - received_ago).isoformat()
    return late


def test_events_received_today_from_two_days_ago_raise_an_alert() -> None:
    old = _received(happened_ago=dt.timedelta(days=2), received_ago=dt.timedelta(hours=1))

    drafts = late_events.rule().run(stored(old, old | {"id": "again"}), now=NOW)

    assert [(d.summary, d.count) for d in drafts] == [
        ("Events have an outdated utctimestamp (2) received by mozdef2", 2)
    ]


def test_events_received_on_time_raise_nothing() -> None:
    fresh = _received(happened_ago=dt.timedelta(minutes=5), received_ago=dt.timedelta(minutes=4))

    assert late_events.rule().run(stored(fresh), now=NOW) == []


def test_old_events_received_long_ago_raise_nothing() -> None:
    old = _received(happened_ago=dt.timedelta(days=3), received_ago=dt.timedelta(days=2))

    assert late_events.rule().run(stored(old), now=NOW) == []


def test_streaming_raises_on_an_event_a_day_late() -> None:
    late = _received(happened_ago=dt.timedelta(days=2), received_ago=dt.timedelta(0))
    fresh = _received(happened_ago=dt.timedelta(minutes=1), received_ago=dt.timedelta(0))

    assert [d.details for d in streamed(late_events.rule(), late, fresh)] == [
        {"mozdefhostname": "mozdef2"}
    ]
