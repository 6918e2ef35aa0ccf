from mozdef.alerts.detections import intel_hits
from mozdef.events.schema import Event
from tests.alerts.detections.stored import NOW, event, stored, streamed


def _hit(indicator: str, sensor: str = "sensor1") -> Event:
    details = {
        "seenindicator": indicator,
        "seenwhere": "DNS::IN_REQUEST",
        "sourceipaddress": "10.0.0.9",
    }
    return event(category="bro", source="intel", hostname=sensor, details=details)


def test_ten_hits_on_one_indicator_raise_an_alert() -> None:
    drafts = intel_hits.rule().run(stored(*(_hit("bad.example") for _ in range(10))), now=NOW)

    assert [d.summary for d in drafts] == [
        "10 Zeek intel matches for indicator bad.example on sensor1 (seen in DNS::IN_REQUEST)"
    ]


def test_hits_spread_over_indicators_raise_nothing() -> None:
    events = [_hit(f"bad{n}.example") for n in range(10)]

    assert intel_hits.rule().run(stored(*events), now=NOW) == []


def test_hits_from_other_sensors_raise_nothing() -> None:
    rule = intel_hits.rule(sensors=("sensor2",))

    assert rule.run(stored(*(_hit("bad.example") for _ in range(10))), now=NOW) == []


def test_streaming_raises_at_the_tenth_hit() -> None:
    drafts = streamed(intel_hits.rule(), *(_hit("bad.example") for _ in range(10)))

    assert [d.count for d in drafts] == [10]
