"""The alert bus: how the web app, actions and other processes hear of alert changes.

Topics: `alert.created` and `alert.updated` carry the alert's stored document
(`mozdef.alerts.store.to_document`, with `id`); `alert.status` carries the same
document after a status change, its last `history` entry being the change.
Payloads are JSON-ready dictionaries so that a bus over RabbitMQ or PostgreSQL
can carry them unchanged behind the same two methods.

`MemoryBus` delivers in the publisher's thread, in subscription order: a
subscriber that does slow work (a notification over the network) should hand the
payload to its own queue or thread. A subscriber that raises is logged and
counted, and the others still get the message.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from mozdef.logfmt import fields

log = logging.getLogger(__name__)

ALERT_CREATED = "alert.created"
ALERT_UPDATED = "alert.updated"
ALERT_STATUS = "alert.status"
TOPICS = (ALERT_CREATED, ALERT_UPDATED, ALERT_STATUS)

Payload = Mapping[str, Any]
Subscriber = Callable[[str, Payload], None]
Unsubscribe = Callable[[], None]


class Bus(Protocol):
    def subscribe(
        self, callback: Subscriber, *, topics: Iterable[str] | None = None
    ) -> Unsubscribe:
        """Call `callback(topic, payload)` for each message on `topics` (None: all)."""
        ...

    def publish(self, topic: str, payload: Payload) -> None: ...


# Compared by identity: the same callback may be subscribed twice.
@dataclass(frozen=True, eq=False)
class _Subscription:
    callback: Subscriber
    topics: frozenset[str] | None

    def wants(self, topic: str) -> bool:
        return self.topics is None or topic in self.topics


class MemoryBus:
    """An in-process bus; `failures` counts the exceptions of each subscriber by name."""

    def __init__(self) -> None:
        self._subscriptions: list[_Subscription] = []
        self._lock = threading.Lock()
        self.failures: Counter[str] = Counter()

    def subscribe(
        self, callback: Subscriber, *, topics: Iterable[str] | None = None
    ) -> Unsubscribe:
        subscription = _Subscription(callback, None if topics is None else frozenset(topics))
        with self._lock:
            self._subscriptions.append(subscription)

        def unsubscribe() -> None:
            with self._lock:
                if subscription in self._subscriptions:
                    self._subscriptions.remove(subscription)

        return unsubscribe

    def publish(self, topic: str, payload: Payload) -> None:
        with self._lock:
            listeners = [s for s in self._subscriptions if s.wants(topic)]
        for subscription in listeners:
            self._deliver(subscription.callback, topic, payload)

    def _deliver(self, callback: Subscriber, topic: str, payload: Payload) -> None:
        try:
            callback(topic, payload)
        except Exception:
            # One subscriber's failure must not keep the message from the others.
            name = getattr(callback, "__qualname__", type(callback).__name__)
            self.failures[name] += 1
            log.exception("alerts.bus.subscriber_failed", extra=fields(topic=topic, name=name))
