"""The RabbitMQ queue: intake publishes to the exchange `eventtask`, workers consume
the quorum queue `eventtask` (topology in mozdef.queue.amqp_topology, message
formats in mozdef.queue.amqp_format).

`RabbitMqPublisher.publish` sends the records of one call as one persistent
message and returns only after the broker confirmed it, so the events are on the
queue's replicas before intake answers the shipper. Workers consume with a
prefetch window, acknowledge only after the store committed, and a message a
worker held when it died is delivered again, flagged redelivered.

Known limits of this backend against the embedded spool:
- `wait_acked` cannot know when a worker stored the records (the broker does not
  tell publishers about consumers' acks): it returns False at once, and a caller
  that must wait for the events to be searchable waits on the store instead.
- `pending_bytes` is not bytes: it is the number of messages ready in the queue
  (each one intake call's batch, or one shipper message), not counting messages
  delivered to workers and not yet acknowledged; 0 before the first publish and
  while the broker cannot be reached.
- `queue.prefetch` counts messages, not records: with intake batches of a
  thousand records a worker may hold prefetch x 1000 records in memory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.spec import Basic, BasicProperties

from mozdef.config.settings import QueueSettings
from mozdef.errors import QueueUnavailableError
from mozdef.logfmt import fields
from mozdef.queue.amqp_format import RECORDS_CONTENT_TYPE_V1, decode_message, encode_records
from mozdef.queue.amqp_link import AmqpLink, Outgoing
from mozdef.queue.amqp_topology import (
    connection_parameters,
    declare_blocking,
    describe,
    events_topology,
    redacted,
)
from mozdef.queue.base import Delivery, Record

logger = logging.getLogger(__name__)

# A token is the consumer's connection generation above the channel's delivery tag:
# an ack of a token from an older connection is recognized and ignored.
_TAG_BITS = 48
_TAG_MASK = (1 << _TAG_BITS) - 1
_COUNT_TTL = 1.0
_COUNT_TIMEOUT = 0.5
_BACKOFF_FIRST = 0.5
_BACKOFF_MAX = 30.0


class RabbitMqPublisher:
    """The intake's side; thread-safe (publishes of many threads share one channel)."""

    def __init__(self, settings: QueueSettings) -> None:
        self._exchange = settings.exchange
        self._queue = settings.queue
        self._link = AmqpLink(
            settings.rabbitmq_url,
            events_topology(settings),
            confirm_timeout=settings.confirm_timeout,
            name="mozdef intake",
        )
        self._lock = threading.Lock()
        self._published = 0
        self._count = (0, -_COUNT_TTL)  # (messages, monotonic time read)

    def publish(self, records: Sequence[Record]) -> int:
        """Raises QueueUnavailableError (broker unreachable, connection lost, no confirm
        within queue.confirm_timeout) or QueueFullError (the broker refused: an
        operator policy with max-length and overflow reject-publish)."""
        if records:
            properties = BasicProperties(content_type=RECORDS_CONTENT_TYPE_V1, delivery_mode=2)
            body = encode_records(records)
            # MozDef's routing key: the exchange's own name.
            message = Outgoing(self._exchange, self._exchange, body, properties, mandatory=True)
            self._link.publish(message)
        with self._lock:
            self._published += len(records)
            return self._published

    def wait_acked(self, position: int, *, timeout: float) -> bool:
        """Always False at once: see the module's known limits."""
        return False

    def pending_bytes(self) -> int:
        """Messages ready in the queue, read at most once a second: see the module."""
        messages, read_at = self._count
        if time.monotonic() - read_at < _COUNT_TTL:
            return messages
        try:
            messages = self._link.message_count(self._queue, timeout=_COUNT_TIMEOUT)
        except QueueUnavailableError:
            messages = 0
        self._count = (messages, time.monotonic())
        return messages

    def close(self) -> None:
        self._link.close()


@dataclass(frozen=True)
class _Message:
    tag: int
    records: list[Record]
    redelivered: bool


class RabbitMqConsumer:
    """A worker's side; one thread. Survives the broker's restarts: a lost connection
    is reopened with back-off, while `consume` keeps answering None."""

    def __init__(self, settings: QueueSettings) -> None:
        self._settings = settings
        self._url = redacted(settings.rabbitmq_url)
        self._parameters = connection_parameters(
            settings.rabbitmq_url, timeout=settings.confirm_timeout, name="mozdef worker"
        )
        self._connection: BlockingConnection | None = None
        self._channel: BlockingChannel | None = None
        self._generation = 0
        self._acked_tag = 0
        self._buffer: deque[_Message] = deque()
        # Tags of the messages received and not acknowledged yet, oldest first.
        self._held: deque[int] = deque()
        self._retry_at = 0.0
        self._backoff = _BACKOFF_FIRST
        self.empty_messages = 0

    def consume(self, max_records: int, *, timeout: float) -> Delivery | None:
        """The next messages' records; at least one message, more while they fit in
        `max_records` (a message is never split)."""
        deadline = time.monotonic() + timeout
        while not self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self._receive(remaining)
        # Gather what has already arrived, while it grows and there is room.
        held = len(self._buffer)
        while sum(len(m.records) for m in self._buffer) < max_records:
            self._receive(0)
            if len(self._buffer) == held:
                break
            held = len(self._buffer)
        return self._take(max_records)

    def ack(self, token: int) -> None:
        """Acknowledge every message up to `token`. A token of a lost connection is
        ignored: the broker delivers those messages again."""
        generation, tag = token >> _TAG_BITS, token & _TAG_MASK
        if generation != self._generation or self._channel is None or tag <= self._acked_tag:
            logger.info("rabbitmq.stale_ack", extra=fields(generation=generation, tag=tag))
            return
        try:
            self._channel.basic_ack(tag, multiple=True)
        except pika.exceptions.AMQPError as exc:
            self._lost(exc)
            return
        self._acked_tag = tag
        while self._held and self._held[0] <= tag:
            self._held.popleft()

    @property
    def window_full(self) -> bool:
        return not self._buffer and len(self._held) >= self._settings.prefetch

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        self._buffer.clear()
        self._held.clear()
        if connection is not None and connection.is_open:
            with contextlib.suppress(pika.exceptions.AMQPError):
                connection.close()

    def _take(self, max_records: int) -> Delivery:
        taken = [self._buffer.popleft()]
        count = len(taken[0].records)
        while self._buffer and count + len(self._buffer[0].records) <= max_records:
            taken.append(self._buffer.popleft())
            count += len(taken[-1].records)
        return Delivery(
            records=[record for message in taken for record in message.records],
            token=(self._generation << _TAG_BITS) | taken[-1].tag,
            redelivered=any(message.redelivered for message in taken),
        )

    def _receive(self, limit: float) -> None:
        """Wait up to `limit` seconds for messages (after connecting when needed)."""
        if self._connection is None and not self._connect(limit):
            return
        assert self._connection is not None
        try:
            self._connection.process_data_events(time_limit=limit)
        except pika.exceptions.AMQPError as exc:
            self._lost(exc)

    def _connect(self, limit: float) -> bool:
        wait = self._retry_at - time.monotonic()
        if wait > 0:
            time.sleep(min(wait, limit))
            return False
        connection: BlockingConnection | None = None
        try:
            connection = pika.BlockingConnection(self._parameters)
            channel = connection.channel()
            declare_blocking(channel, events_topology(self._settings))
            channel.basic_qos(prefetch_count=self._settings.prefetch)
            channel.basic_consume(self._settings.queue, self._on_message)
        except pika.exceptions.AMQPError as exc:
            self._retry_at = time.monotonic() + self._backoff
            logger.warning(
                "rabbitmq.consumer_unavailable",
                extra=fields(url=self._url, reason=describe(exc), retry_in=self._backoff),
            )
            self._backoff = min(self._backoff * 2, _BACKOFF_MAX)
            if connection is not None and connection.is_open:
                connection.close()
            return False
        self._connection, self._channel = connection, channel
        self._generation += 1
        self._acked_tag = 0
        self._backoff = _BACKOFF_FIRST
        logger.info("rabbitmq.consumer_connected", extra=fields(url=self._url))
        return True

    def _lost(self, exc: Exception) -> None:
        held = len(self._buffer)
        logger.warning(
            "rabbitmq.connection_lost",
            extra=fields(url=self._url, reason=describe(exc), dropped_messages=held),
        )
        self.close()

    def _on_message(
        self,
        channel: BlockingChannel,
        method: Basic.Deliver,
        properties: BasicProperties,
        body: bytes,
    ) -> None:
        records = decode_message(
            body,
            content_type=properties.content_type,
            message_id=properties.message_id,
            received=dt.datetime.now(dt.UTC),
        )
        tag: Any = method.delivery_tag
        if not records:
            # Nothing to store: acknowledged on its own at once.
            self.empty_messages += 1
            channel.basic_ack(tag)
            return
        self._buffer.append(_Message(int(tag), records, bool(method.redelivered)))
        self._held.append(int(tag))
