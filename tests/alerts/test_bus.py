from __future__ import annotations

from typing import Any

from mozdef.alerts.bus import ALERT_CREATED, ALERT_STATUS, MemoryBus, Payload

Received = list[tuple[str, Any]]


def _recorder(into: Received) -> Any:
    def record(topic: str, payload: Payload) -> None:
        into.append((topic, payload["id"]))

    return record


def test_a_subscriber_receives_the_topic_and_the_payload() -> None:
    bus, got = MemoryBus(), Received()
    bus.subscribe(_recorder(got))

    bus.publish(ALERT_CREATED, {"id": "a1"})

    assert got == [("alert.created", "a1")]


def test_a_subscriber_to_some_topics_hears_only_those() -> None:
    bus, got = MemoryBus(), Received()
    bus.subscribe(_recorder(got), topics=[ALERT_STATUS])

    bus.publish(ALERT_CREATED, {"id": "a1"})
    bus.publish(ALERT_STATUS, {"id": "a2"})

    assert got == [("alert.status", "a2")]


def test_unsubscribing_stops_delivery() -> None:
    bus, got = MemoryBus(), Received()
    unsubscribe = bus.subscribe(_recorder(got))

    unsubscribe()
    bus.publish(ALERT_CREATED, {"id": "a1"})

    assert got == []


def test_a_subscriber_that_raises_is_counted_and_the_others_still_hear() -> None:
    bus, got = MemoryBus(), Received()

    def broken(topic: str, payload: Payload) -> None:
        raise RuntimeError("down")

    bus.subscribe(broken)
    bus.subscribe(_recorder(got))
    bus.publish(ALERT_CREATED, {"id": "a1"})

    assert got == [("alert.created", "a1")]
    assert sum(bus.failures.values()) == 1
