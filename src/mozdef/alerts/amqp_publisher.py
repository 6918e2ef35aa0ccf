"""Alerts to RabbitMQ: every message of the alert bus, published to the topic exchange
`alerts` for chat bots, ticketing bridges and other processes to subscribe to.

The body is the alert document as JSON (`application/json`, persistent). The routing
key is `<topic>.<severity>.<category>`, for example
`alert.created.critical.bruteforce`: severity in lower case, category in lower case
with dots and spaces turned into `_` (`unknown` when empty). A listener binds its
queue with a pattern: `alert.created.#` for every new alert, `*.*.critical.#` for
every change of a critical one. A consumer written for MozDef, which bound the key
`mozdef.alert`, binds `alert.created.#` instead.

The bus delivers in the thread of whoever raised the alert, so the subscriber only
puts the message on a bounded queue; one thread publishes from it with publisher
confirms. A message is dropped, counted by reason in `dropped` and logged, when that
queue is full, when the broker cannot be reached or does not confirm in time, or when
the document cannot be encoded: the alert itself is already stored, only this
notification is lost.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import re
import threading
from collections import Counter
from typing import Any

import orjson
from pika.spec import BasicProperties

from mozdef.alerts.bus import TOPICS, Bus, Payload, Unsubscribe
from mozdef.config.settings import QueueSettings
from mozdef.errors import QueueFullError, QueueUnavailableError
from mozdef.logfmt import fields
from mozdef.queue.amqp_link import AmqpLink, Outgoing
from mozdef.queue.amqp_topology import alerts_topology

logger = logging.getLogger(__name__)

_WORD_BREAKS = re.compile(r"[.\s]+")


def routing_key(topic: str, payload: Payload) -> str:
    severity = _word(payload.get("severity")) or "unknown"
    category = _word(payload.get("category")) or "unknown"
    return f"{topic}.{severity}.{category}"


def _word(value: Any) -> str:
    return _WORD_BREAKS.sub("_", str(value or "").strip().lower())


class AmqpAlertPublisher:
    def __init__(self, settings: QueueSettings, *, capacity: int = 10_000) -> None:
        self._exchange = settings.alerts_exchange
        self._link = AmqpLink(
            settings.rabbitmq_url,
            alerts_topology(settings),
            confirm_timeout=settings.confirm_timeout,
            name="mozdef alerts",
        )
        self._queue: queue.Queue[tuple[str, Payload] | None] = queue.Queue(maxsize=capacity)
        self._thread: threading.Thread | None = None
        self.published = 0
        self.dropped: Counter[str] = Counter()

    def subscribe(self, bus: Bus) -> Unsubscribe:
        """Publish every alert message of `bus` from now on."""
        return bus.subscribe(self.offer, topics=TOPICS)

    def offer(self, topic: str, payload: Payload) -> None:
        """The bus subscriber: queues the message and returns at once."""
        try:
            self._queue.put_nowait((topic, payload))
        except queue.Full:
            self._drop("queue_full", topic, payload)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="alerts-amqp", daemon=True)
            self._thread.start()

    def stop(self, *, timeout: float = 5.0) -> None:
        """Publish what is queued (for up to `timeout` seconds), then disconnect."""
        if self._thread is not None:
            with contextlib.suppress(queue.Full):
                self._queue.put(None, timeout=timeout)
            self._thread.join(timeout)
            self._thread = None
        self._link.close()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            self._send(*item)

    def _send(self, topic: str, payload: Payload) -> None:
        try:
            body = orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS)
        except TypeError as exc:
            self._drop("unencodable", topic, payload, str(exc))
            return
        properties = BasicProperties(
            content_type="application/json",
            delivery_mode=2,
            type=topic,
            headers={"alert_id": str(payload.get("id") or "")},
        )
        message = Outgoing(self._exchange, routing_key(topic, payload), body, properties)
        try:
            self._link.publish(message)
        except (QueueUnavailableError, QueueFullError) as exc:
            self._drop("broker", topic, payload, str(exc))
            return
        self.published += 1

    def _drop(self, reason: str, topic: str, payload: Payload, detail: str = "") -> None:
        self.dropped[reason] += 1
        logger.warning(
            "alerts.amqp.dropped",
            extra=fields(
                reason=reason,
                topic=topic,
                alert=payload.get("id"),
                dropped=sum(self.dropped.values()),
                detail=detail,
            ),
        )
