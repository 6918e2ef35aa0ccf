"""Bus messages with their sequence numbers, and the in-memory bus.

The alert engine's `Bus` (mozdef.alerts.bus) hands subscribers a topic and a
payload. The live routes also need each message's `seq`, which tells a browser
the order of messages and how many it may have missed, so the buses here add
`listen`, which hands over the whole `Message`. `LocalBus` is the in-memory one:
one process, delivered in the publisher's thread, for tests and plugin authors.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from mozdef.alerts.bus import Payload, Subscriber, Unsubscribe
from mozdef.bus.payload import MAX_PAYLOAD_BYTES, encode
from mozdef.bus.topics import MAX_TOPIC_LENGTH
from mozdef.logfmt import fields

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    seq: int
    topic: str
    payload: dict[str, Any]
    published: dt.datetime

    def json_ready(self) -> dict[str, Any]:
        """What the live routes send for it."""
        return {"topic": self.topic, "payload": self.payload, "seq": self.seq}


Listener = Callable[[Message], None]


class MessageBus(Protocol):
    """A `Bus` (mozdef.alerts.bus) whose listeners get whole messages."""

    def subscribe(
        self, callback: Subscriber, *, topics: Iterable[str] | None = None
    ) -> Unsubscribe: ...

    def listen(self, listener: Listener, *, topics: Iterable[str] | None = None) -> Unsubscribe:
        """Call `listener(message)` for each message on `topics` (None: all)."""
        ...

    def publish(self, topic: str, payload: Payload) -> None: ...


# Compared by identity: the same listener may be added twice.
@dataclass(frozen=True, eq=False)
class _Listening:
    listener: Listener
    topics: frozenset[str] | None


class Fanout:
    """Listeners and their topics; `deliver` calls those that want a message, in the
    order they were added. A listener that raises is logged and counted in `counts`
    (`listener_failed`), and the others still get the message."""

    def __init__(self, counts: Counter[str]) -> None:
        self._listening: list[_Listening] = []
        self._lock = threading.Lock()
        self._counts = counts

    def listen(self, listener: Listener, *, topics: Iterable[str] | None = None) -> Unsubscribe:
        entry = _Listening(listener, None if topics is None else frozenset(topics))
        with self._lock:
            self._listening.append(entry)

        def unsubscribe() -> None:
            with self._lock:
                if entry in self._listening:
                    self._listening.remove(entry)

        return unsubscribe

    def subscribe(
        self, callback: Subscriber, *, topics: Iterable[str] | None = None
    ) -> Unsubscribe:
        return self.listen(lambda message: callback(message.topic, message.payload), topics=topics)

    def deliver(self, message: Message) -> None:
        with self._lock:
            wanting = [e for e in self._listening if e.topics is None or message.topic in e.topics]
        for entry in wanting:
            try:
                entry.listener(message)
            except Exception:
                # One listener's failure must not keep the message from the others.
                self._counts["listener_failed"] += 1
                log.exception("bus.listener_failed", extra=fields(topic=message.topic))


class LocalBus:
    """An in-process MessageBus: numbered, bounded and delivered as SharedBus does,
    but at once, in the publisher's thread. `counts` as SharedBus's."""

    def __init__(
        self,
        *,
        max_payload: int = MAX_PAYLOAD_BYTES,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.counts: Counter[str] = Counter()
        self._fanout = Fanout(self.counts)
        self._max_payload = max_payload
        self._clock = clock
        self._seq = 0
        self._lock = threading.Lock()

    def subscribe(
        self, callback: Subscriber, *, topics: Iterable[str] | None = None
    ) -> Unsubscribe:
        return self._fanout.subscribe(callback, topics=topics)

    def listen(self, listener: Listener, *, topics: Iterable[str] | None = None) -> Unsubscribe:
        return self._fanout.listen(listener, topics=topics)

    def publish(self, topic: str, payload: Payload) -> None:
        encoded = encode_for_bus(topic, payload, limit=self._max_payload, counts=self.counts)
        if encoded is None:
            return
        with self._lock:
            self._seq += 1
            message = Message(self._seq, topic, orjson.loads(encoded), self._clock())
        self.counts["published"] += 1
        self._fanout.deliver(message)


def encode_for_bus(
    topic: str, payload: Payload, *, limit: int, counts: Counter[str]
) -> bytes | None:
    """The encoded payload (see mozdef.bus.payload), or None, logged and counted as
    `rejected`, for a topic too long or empty or a payload that is not JSON-ready:
    a publisher is never raised at for what it publishes."""
    if not topic or len(topic) > MAX_TOPIC_LENGTH:
        counts["rejected"] += 1
        reason = f"the topic must have 1 to {MAX_TOPIC_LENGTH} characters, found {len(topic)}"
        log.error("bus.rejected", extra=fields(topic=topic[:MAX_TOPIC_LENGTH], reason=reason))
        return None
    try:
        encoded, trimmed = encode(topic, payload, limit=limit)
    except TypeError as error:
        counts["rejected"] += 1
        log.error("bus.rejected", extra=fields(topic=topic, reason=f"not JSON-ready: {error}"))
        return None
    counts["trimmed"] += trimmed
    return encoded
