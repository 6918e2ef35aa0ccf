"""Alerts published from the alert bus to the topic exchange `alerts` of a real broker."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from pika.adapters.blocking_connection import BlockingChannel

from mozdef.alerts.amqp_publisher import AmqpAlertPublisher, routing_key
from mozdef.alerts.bus import ALERT_CREATED, ALERT_STATUS, MemoryBus
from mozdef.config.settings import QueueSettings
from tests.queue.conftest import broker_channel

ALERT = {"id": "al1", "severity": "CRITICAL", "category": "bruteforce", "summary": "x"}


@pytest.fixture
def started(queue_settings: QueueSettings) -> Iterator[tuple[AmqpAlertPublisher, MemoryBus]]:
    publisher = AmqpAlertPublisher(queue_settings)
    bus = MemoryBus()
    publisher.subscribe(bus)
    publisher.start()
    yield publisher, bus
    publisher.stop()


def listen(channel: BlockingChannel, settings: QueueSettings, pattern: str) -> str:
    """A server-named queue bound to the alerts exchange with `pattern`."""
    channel.exchange_declare(settings.alerts_exchange, "topic", durable=True)
    queue = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(queue, settings.alerts_exchange, routing_key=pattern)
    return queue


def receive(channel: BlockingChannel, queue: str) -> tuple[Any, Any, bytes]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        method, properties, body = channel.basic_get(queue, auto_ack=True)
        if method is not None and body is not None:
            return method, properties, body
        time.sleep(0.02)
    raise AssertionError(f"nothing arrived on {queue} within 5 s")


def test_the_routing_key_is_topic_severity_and_category() -> None:
    assert routing_key(ALERT_CREATED, ALERT) == "alert.created.critical.bruteforce"
    odd = {"severity": "", "category": "Port Scan.v2"}
    assert routing_key(ALERT_STATUS, odd) == "alert.status.unknown.port_scan_v2"


def test_an_alert_on_the_bus_reaches_a_queue_bound_to_the_alerts_exchange(
    queue_settings: QueueSettings,
    rabbitmq_url: str,
    started: tuple[AmqpAlertPublisher, MemoryBus],
) -> None:
    publisher, bus = started
    with broker_channel(rabbitmq_url) as channel:
        queue = listen(channel, queue_settings, "alert.created.critical.#")
        bus.publish(ALERT_CREATED, ALERT)
        method, properties, body = receive(channel, queue)
    assert method.routing_key == "alert.created.critical.bruteforce"
    assert properties.content_type == "application/json"
    assert properties.headers == {"alert_id": "al1"}
    assert orjson.loads(body) == ALERT
    assert publisher.published == 1


def test_a_listener_gets_only_the_topics_its_pattern_names(
    queue_settings: QueueSettings,
    rabbitmq_url: str,
    started: tuple[AmqpAlertPublisher, MemoryBus],
) -> None:
    _, bus = started
    with broker_channel(rabbitmq_url) as channel:
        queue = listen(channel, queue_settings, "alert.status.#")
        bus.publish(ALERT_CREATED, ALERT)
        bus.publish(ALERT_STATUS, {**ALERT, "status": "acknowledged"})
        method, _, body = receive(channel, queue)
        assert channel.queue_declare(queue, passive=True).method.message_count == 0
    assert method.routing_key == "alert.status.critical.bruteforce"
    assert orjson.loads(body)["status"] == "acknowledged"


def test_a_broker_that_is_down_never_blocks_the_bus_and_drops_are_counted() -> None:
    settings = QueueSettings(rabbitmq_url="amqp://guest:guest@127.0.0.1:1/%2F")
    publisher = AmqpAlertPublisher(settings, capacity=2)
    bus = MemoryBus()
    publisher.subscribe(bus)
    started = time.monotonic()
    for _ in range(5):
        bus.publish(ALERT_CREATED, ALERT)
    assert time.monotonic() - started < 0.5
    assert publisher.dropped["queue_full"] == 3  # not started: the queue holds two
    publisher.start()
    deadline = time.monotonic() + 5
    while publisher.dropped["broker"] < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    publisher.stop()
    assert publisher.dropped == {"queue_full": 3, "broker": 2}
    assert publisher.published == 0
