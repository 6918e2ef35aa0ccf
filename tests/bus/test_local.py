from __future__ import annotations

from mozdef.bus import INCIDENT_CHANGED, PRESENCE, LocalBus
from tests.bus.collect import Heard


def test_the_local_bus_numbers_messages_and_delivers_them_at_once() -> None:
    bus = LocalBus()
    heard = Heard()
    bus.listen(heard, topics=[INCIDENT_CHANGED])

    bus.publish(INCIDENT_CHANGED, {"id": "i1"})
    bus.publish(PRESENCE, {"user": "alice"})
    bus.publish(INCIDENT_CHANGED, {"id": "i2"})

    assert [(m.seq, m.payload) for m in heard.messages] == [(1, {"id": "i1"}), (3, {"id": "i2"})]


def test_an_unsubscribed_listener_hears_nothing_more() -> None:
    bus = LocalBus()
    got: list[str] = []
    unsubscribe = bus.subscribe(lambda topic, _payload: got.append(topic))

    bus.publish(INCIDENT_CHANGED, {"id": "i1"})
    unsubscribe()
    bus.publish(INCIDENT_CHANGED, {"id": "i2"})

    assert got == [INCIDENT_CHANGED]


def test_the_local_bus_refuses_a_payload_that_is_not_json_ready_without_raising() -> None:
    bus = LocalBus()

    bus.publish(INCIDENT_CHANGED, {"when": {1, 2}})

    assert bus.counts["rejected"] == 1
