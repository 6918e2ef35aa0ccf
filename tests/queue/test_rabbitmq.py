"""The RabbitMQ queue backend against a real broker (see conftest.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pika
import pytest

from mozdef.config.settings import QueueSettings
from mozdef.errors import ConfigError, QueueFullError, QueueUnavailableError
from mozdef.pipeline.chain import Pipeline
from mozdef.pipeline.deadletter import DeadLetter
from mozdef.pipeline.worker import Worker
from mozdef.queue.base import Delivery, Record
from mozdef.queue.rabbitmq import RabbitMqConsumer, RabbitMqPublisher
from mozdef.store.base import SearchRequest
from mozdef.store.memory import MemoryStore
from tests.queue.conftest import TcpProxy, broker_channel

RECEIVED = dt.datetime(2026, 12, 3, 12, 0, 0, 123456, tzinfo=dt.UTC)


def record(n: int) -> Record:
    return Record(id=f"id{n}", received=RECEIVED, body=b'{"n":%d}' % n)


@pytest.fixture
def publisher(queue_settings: QueueSettings) -> Iterator[RabbitMqPublisher]:
    opened = RabbitMqPublisher(queue_settings)
    yield opened
    opened.close()


@pytest.fixture
def consumer(queue_settings: QueueSettings) -> Iterator[RabbitMqConsumer]:
    opened = RabbitMqConsumer(queue_settings)
    yield opened
    opened.close()


def drain(consumer: RabbitMqConsumer, *, ack: bool = True, timeout: float = 0.5) -> list[str]:
    ids: list[str] = []
    while (delivery := consumer.consume(10_000, timeout=timeout)) is not None:
        ids.extend(r.id for r in delivery.records)
        if ack:
            consumer.ack(delivery.token)
    return ids


def consume_one(consumer: RabbitMqConsumer, max_records: int = 10_000) -> Delivery:
    delivery = consumer.consume(max_records, timeout=5)
    assert delivery is not None, "nothing delivered within 5 s"
    return delivery


def test_round_trip_keeps_every_field(
    publisher: RabbitMqPublisher, consumer: RabbitMqConsumer
) -> None:
    sent = [
        Record(id="a1", received=RECEIVED, body=b'{"summary":"x"}'),
        Record(
            id="c2",
            received=RECEIVED,
            body=b'{"k":"\\u00e9\\t"}',
            kind="custom",
            application="nginx",
            client_id=True,
        ),
    ]
    publisher.publish(sent)
    delivery = consume_one(consumer)
    assert delivery.records == sent
    assert not delivery.redelivered


def test_a_batch_of_many_records_arrives_whole_and_in_order(
    publisher: RabbitMqPublisher, consumer: RabbitMqConsumer
) -> None:
    assert publisher.publish([record(n) for n in range(5000)]) == 5000
    delivery = consume_one(consumer)
    assert [r.id for r in delivery.records] == [f"id{n}" for n in range(5000)]


def wait_until_pushed(rabbitmq_url: str, queue: str) -> None:
    """Until the broker holds no ready message of `queue`: all went to the consumer."""
    deadline = time.monotonic() + 10
    with broker_channel(rabbitmq_url) as channel:
        while channel.queue_declare(queue, passive=True).method.message_count:
            assert time.monotonic() < deadline, "the broker kept messages ready for 10 s"
            time.sleep(0.05)
    time.sleep(0.2)  # the pushed frames cross the loopback into the consumer's socket


def test_consume_gathers_whole_messages_up_to_max_records(
    publisher: RabbitMqPublisher,
    consumer: RabbitMqConsumer,
    queue_settings: QueueSettings,
    rabbitmq_url: str,
) -> None:
    assert consumer.consume(5, timeout=0.3) is None  # connected and consuming
    for start in (0, 2, 4):
        publisher.publish([record(start), record(start + 1)])
    wait_until_pushed(rabbitmq_url, queue_settings.queue)
    first = consume_one(consumer, max_records=5)
    assert [r.id for r in first.records] == ["id0", "id1", "id2", "id3"]
    assert [r.id for r in consume_one(consumer, max_records=5).records] == ["id4", "id5"]


def test_the_window_is_full_while_prefetch_messages_wait_for_an_ack(
    publisher: RabbitMqPublisher, queue_settings: QueueSettings
) -> None:
    consumer = RabbitMqConsumer(dataclasses.replace(queue_settings, prefetch=2))
    try:
        assert consumer.consume(5, timeout=0.3) is None  # connected and consuming
        assert not consumer.window_full
        for start in (0, 2, 4):
            publisher.publish([record(start), record(start + 1)])
        first = consume_one(consumer, max_records=2)
        assert not consumer.window_full  # the second message is received, not taken
        second = consume_one(consumer, max_records=2)
        assert consumer.window_full
        assert consumer.consume(2, timeout=0.3) is None  # the third waits at the broker
        consumer.ack(first.token)
        assert not consumer.window_full
        assert [r.id for r in consume_one(consumer).records] == ["id4", "id5"]
        consumer.ack(second.token)
    finally:
        consumer.close()


def test_a_message_larger_than_max_records_is_delivered_whole(
    publisher: RabbitMqPublisher, consumer: RabbitMqConsumer
) -> None:
    publisher.publish([record(n) for n in range(10)])
    assert len(consume_one(consumer, max_records=3).records) == 10


def test_consume_returns_none_after_the_timeout_when_empty(consumer: RabbitMqConsumer) -> None:
    started = time.monotonic()
    assert consumer.consume(10, timeout=0.3) is None
    assert 0.25 <= time.monotonic() - started < 2


def test_acknowledged_messages_are_not_seen_by_a_new_consumer(
    queue_settings: QueueSettings, publisher: RabbitMqPublisher
) -> None:
    publisher.publish([record(1), record(2)])
    first = RabbitMqConsumer(queue_settings)
    first.ack(consume_one(first).token)
    first.close()
    publisher.publish([record(3)])
    second = RabbitMqConsumer(queue_settings)
    try:
        assert drain(second) == ["id3"]
    finally:
        second.close()


def test_unacknowledged_messages_are_redelivered_flagged_to_a_new_consumer(
    queue_settings: QueueSettings, publisher: RabbitMqPublisher
) -> None:
    publisher.publish([record(1)])
    first = RabbitMqConsumer(queue_settings)
    assert not consume_one(first).redelivered
    first.close()
    second = RabbitMqConsumer(queue_settings)
    try:
        delivery = consume_one(second)
        assert [r.id for r in delivery.records] == ["id1"]
        assert delivery.redelivered
    finally:
        second.close()


def test_two_competing_consumers_split_the_messages(
    queue_settings: QueueSettings, publisher: RabbitMqPublisher
) -> None:
    small = QueueSettings(**{**queue_settings.__dict__, "prefetch": 1})
    one, two = RabbitMqConsumer(small), RabbitMqConsumer(small)
    try:
        # Both subscribe before anything is published, so the broker alternates.
        assert one.consume(1, timeout=0.1) is None and two.consume(1, timeout=0.1) is None
        for n in range(10):
            publisher.publish([record(n)])
        got_one, got_two = drain(one, timeout=0.3), drain(two, timeout=0.3)
        got_one += drain(one, timeout=0.3)
        assert got_one and got_two
        assert sorted(got_one + got_two, key=lambda i: int(i[2:])) == [f"id{n}" for n in range(10)]
    finally:
        one.close()
        two.close()


def test_publishes_from_many_threads_are_all_confirmed_and_delivered(
    publisher: RabbitMqPublisher, consumer: RabbitMqConsumer
) -> None:
    def send(thread: int) -> None:
        for n in range(20):
            publisher.publish([record(thread * 100 + n)])

    threads = [threading.Thread(target=send, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = sorted(f"id{t * 100 + n}" for t in range(8) for n in range(20))
    assert sorted(drain(consumer)) == expected


def test_a_mozdef_event_published_by_a_plain_client_is_consumed(
    queue_settings: QueueSettings, rabbitmq_url: str, consumer: RabbitMqConsumer
) -> None:
    assert consumer.consume(1, timeout=0.1) is None  # declares the topology
    event = {"summary": "login", "hostname": "web1", "details": {"user": "ann"}}
    with broker_channel(rabbitmq_url) as channel:
        properties = pika.BasicProperties(content_type="application/json", message_id="m-1")
        channel.basic_publish(
            queue_settings.exchange, queue_settings.exchange, orjson.dumps(event), properties
        )
    delivery = consume_one(consumer)
    [got] = delivery.records
    assert (got.id, got.kind, got.client_id) == ("m-1", "event", True)
    assert orjson.loads(got.body) == event


def test_a_shipper_message_routed_with_the_key_event_is_consumed(
    queue_settings: QueueSettings, rabbitmq_url: str, consumer: RabbitMqConsumer
) -> None:
    assert consumer.consume(1, timeout=0.1) is None
    with broker_channel(rabbitmq_url) as channel:
        channel.basic_publish(queue_settings.exchange, "event", b'{"summary":"s"}')
    assert orjson.loads(consume_one(consumer).records[0].body) == {"summary": "s"}


def test_a_shipper_message_without_message_id_gets_the_same_id_each_time(
    queue_settings: QueueSettings, rabbitmq_url: str, consumer: RabbitMqConsumer
) -> None:
    assert consumer.consume(1, timeout=0.1) is None
    with broker_channel(rabbitmq_url) as channel:
        for _ in range(2):
            channel.basic_publish(queue_settings.exchange, "event", b'{"summary":"same"}')
    ids = drain(consumer)
    assert len(ids) == 2 and ids[0] == ids[1] and len(ids[0]) == 32


def test_a_body_that_is_not_json_becomes_an_unparsed_event(
    queue_settings: QueueSettings, rabbitmq_url: str, consumer: RabbitMqConsumer
) -> None:
    assert consumer.consume(1, timeout=0.1) is None
    with broker_channel(rabbitmq_url) as channel:
        channel.basic_publish(queue_settings.exchange, "event", b"sshd[42]: Accepted key\n")
        channel.basic_publish(queue_settings.exchange, "event", b'{"summary":"after"}')
    records = drain_records(consumer)
    assert [orjson.loads(r.body) for r in records] == [
        {"summary": "sshd[42]: Accepted key", "tags": ["amqp-unparsed"]},
        {"summary": "after"},
    ]


def test_an_empty_message_is_acknowledged_without_records(
    queue_settings: QueueSettings, rabbitmq_url: str, publisher: RabbitMqPublisher
) -> None:
    publisher.publish([record(1)])
    with broker_channel(rabbitmq_url) as channel:
        channel.basic_publish(queue_settings.exchange, "event", b"")
    publisher.publish([record(2)])
    consumer = RabbitMqConsumer(queue_settings)
    try:
        assert drain(consumer, ack=False) == ["id1", "id2"]
        assert consumer.empty_messages == 1
    finally:
        consumer.close()
    with broker_channel(rabbitmq_url) as channel:
        declared = channel.queue_declare(queue_settings.queue, passive=True)
        assert declared.method.message_count == 2  # id1 and id2 are back, the empty one is gone


def drain_records(consumer: RabbitMqConsumer) -> list[Record]:
    records: list[Record] = []
    while (delivery := consumer.consume(100, timeout=0.5)) is not None:
        records.extend(delivery.records)
        consumer.ack(delivery.token)
    return records


def test_publishing_to_a_wrong_address_raises_queue_unavailable_quickly() -> None:
    settings = QueueSettings(rabbitmq_url="amqp://guest:secret@127.0.0.1:1/%2F")
    publisher = RabbitMqPublisher(settings)
    started = time.monotonic()
    with pytest.raises(QueueUnavailableError, match="Connection refused") as caught:
        publisher.publish([record(1)])
    assert time.monotonic() - started < 2
    assert "secret" not in str(caught.value)
    publisher.close()


def test_a_url_that_is_not_amqp_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"queue\.rabbitmq_url"):
        RabbitMqPublisher(QueueSettings(rabbitmq_url="http://127.0.0.1:5672/"))


def test_the_publisher_reconnects_after_the_connection_was_cut(
    proxied_settings: QueueSettings, proxy: TcpProxy, consumer: RabbitMqConsumer
) -> None:
    publisher = RabbitMqPublisher(proxied_settings)
    try:
        publisher.publish([record(1)])
        proxy.cut()
        time.sleep(0.2)  # the link sees the connection close
        publisher.publish([record(2)])
    finally:
        publisher.close()
    assert drain(consumer) == ["id1", "id2"]


def test_a_publish_waiting_when_the_connection_drops_raises_queue_unavailable(
    proxied_settings: QueueSettings, proxy: TcpProxy
) -> None:
    publisher = RabbitMqPublisher(proxied_settings)
    errors: list[Exception] = []

    def send() -> None:
        try:
            publisher.publish([record(2)])
        except QueueUnavailableError as exc:
            errors.append(exc)

    try:
        publisher.publish([record(1)])
        proxy.stall()
        waiting = threading.Thread(target=send)
        waiting.start()
        time.sleep(0.2)
        proxy.cut()
        waiting.join(timeout=1.5)  # well before the 2 s confirm timeout
        assert not waiting.is_alive()
        assert len(errors) == 1 and "connection lost" in str(errors[0])
    finally:
        publisher.close()


def test_no_confirm_within_the_timeout_raises_queue_unavailable(
    proxied_settings: QueueSettings, proxy: TcpProxy
) -> None:
    settings = QueueSettings(**{**proxied_settings.__dict__, "confirm_timeout": 0.5})
    publisher = RabbitMqPublisher(settings)
    try:
        publisher.publish([record(1)])
        proxy.stall()
        started = time.monotonic()
        with pytest.raises(QueueUnavailableError, match=r"no publisher confirm within 0\.5s"):
            publisher.publish([record(2)])
        assert time.monotonic() - started < 1.5
    finally:
        publisher.close()


def test_a_nack_from_a_full_queue_raises_queue_full(
    queue_settings: QueueSettings, rabbitmq_url: str, publisher: RabbitMqPublisher
) -> None:
    publisher.publish([record(1)])
    bounded = f"{queue_settings.queue}-bounded"
    with broker_channel(rabbitmq_url) as channel:
        # A second queue on the same key that takes one message and refuses the next.
        arguments = {"x-max-length": 1, "x-overflow": "reject-publish"}
        channel.queue_declare(bounded, arguments=arguments)
        channel.queue_bind(bounded, queue_settings.exchange, queue_settings.exchange)
        try:
            publisher.publish([record(2)])
            with pytest.raises(QueueFullError):
                publisher.publish([record(3)])
        finally:
            channel.queue_delete(bounded)


def test_a_deleted_queue_makes_publish_fail_instead_of_dropping(
    queue_settings: QueueSettings, rabbitmq_url: str, publisher: RabbitMqPublisher
) -> None:
    publisher.publish([record(1)])
    with broker_channel(rabbitmq_url) as channel:
        channel.queue_delete(queue_settings.queue)
    with pytest.raises(QueueUnavailableError, match="no queue is bound"):
        publisher.publish([record(2)])


def test_a_classic_queue_of_the_same_name_is_reported(
    queue_settings: QueueSettings, rabbitmq_url: str, publisher: RabbitMqPublisher
) -> None:
    with broker_channel(rabbitmq_url) as channel:
        channel.queue_declare(queue_settings.queue, durable=True)
    with pytest.raises(QueueUnavailableError, match=r"PRECONDITION_FAILED.*x-queue-type"):
        publisher.publish([record(1)])


def test_pending_bytes_counts_the_messages_ready_in_the_queue(
    publisher: RabbitMqPublisher,
) -> None:
    publisher.publish([record(1), record(2)])
    publisher.publish([record(3)])
    assert publisher.pending_bytes() == 2


def test_wait_acked_answers_false_at_once(publisher: RabbitMqPublisher) -> None:
    position = publisher.publish([record(1)])
    started = time.monotonic()
    assert publisher.wait_acked(position, timeout=5) is False
    assert time.monotonic() - started < 0.1


def test_an_ack_of_a_token_from_a_lost_connection_is_ignored(
    queue_settings: QueueSettings,
    proxied_settings: QueueSettings,
    proxy: TcpProxy,
    publisher: RabbitMqPublisher,
) -> None:
    publisher.publish([record(1)])
    consumer = RabbitMqConsumer(proxied_settings)
    try:
        stale = consume_one(consumer)
        proxy.cut()
        fresh = consume_one(consumer)  # reconnected: id1 again, with the same delivery tag
        assert [r.id for r in fresh.records] == ["id1"] and fresh.redelivered
        consumer.ack(stale.token)
    finally:
        consumer.close()
    # The stale ack did not acknowledge the fresh delivery: id1 is still on the queue.
    direct = RabbitMqConsumer(queue_settings)
    try:
        assert drain(direct) == ["id1"]
    finally:
        direct.close()


def test_pending_bytes_is_zero_at_once_when_the_broker_cannot_be_reached() -> None:
    publisher = RabbitMqPublisher(QueueSettings(rabbitmq_url="amqp://guest:guest@127.0.0.1:1/%2F"))
    started = time.monotonic()
    assert publisher.pending_bytes() == 0
    assert time.monotonic() - started < 0.1


def test_a_consumer_whose_broker_is_down_answers_none_after_its_timeout() -> None:
    consumer = RabbitMqConsumer(QueueSettings(rabbitmq_url="amqp://guest:guest@127.0.0.1:1/%2F"))
    started = time.monotonic()
    assert consumer.consume(10, timeout=0.3) is None
    assert consumer.consume(10, timeout=0.3) is None
    assert 0.5 <= time.monotonic() - started < 1.5


def test_a_shipper_event_redelivered_after_a_worker_crash_is_stored_once(
    queue_settings: QueueSettings, rabbitmq_url: str, tmp_path: Path
) -> None:
    store = MemoryStore()
    event = {"summary": "disk full", "timestamp": dt.datetime.now(dt.UTC).isoformat()}
    crashed = RabbitMqConsumer(queue_settings)
    assert crashed.consume(1, timeout=0.1) is None  # declares the topology
    with broker_channel(rabbitmq_url) as channel:
        channel.basic_publish(queue_settings.exchange, "event", orjson.dumps(event))
    first = Worker(crashed, Pipeline([], mozdefhostname="t"), store, DeadLetter(tmp_path))
    first.step(timeout=5)
    assert first.stats.indexed == 1
    store.commit()  # stored, then the process died before its acknowledgement
    crashed.close()

    survivor = RabbitMqConsumer(queue_settings)
    try:
        second = Worker(survivor, Pipeline([], mozdefhostname="t"), store, DeadLetter(tmp_path))
        second.step(timeout=5)
        second.step(timeout=0.2)  # idle: commits and acknowledges
        assert second.stats.indexed == 1
    finally:
        survivor.close()
    assert store.count(SearchRequest(index="events-*")) == 1
