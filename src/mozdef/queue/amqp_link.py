"""A publishing connection to RabbitMQ on its own I/O thread, with publisher confirms.

pika's blocking adapter lets one thread use a connection at a time and waits for a
publisher confirm with no time limit. Intake publishes from many threads and must
give up (503) when the broker does not confirm in time, so the link runs pika's
asynchronous adapter on a thread of its own: a caller hands its message to the I/O
loop through the loop's thread-safe callback queue and waits on a future with a
timeout. The messages of concurrent callers are pipelined on one channel.

A session is one connection, one channel in confirm mode and the topology declared
on it. When it dies (the broker went away, a declaration was refused, a confirm
did not come in time) every waiting caller gets QueueUnavailableError and the next
call opens a new session. After a failed attempt calls fail at once for
`RETRY_SECONDS` instead of hammering a broker that is down.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass
from typing import Any, TypeVar

import pika
import pika.exceptions
from pika.channel import Channel
from pika.spec import Basic, BasicProperties

from mozdef.errors import QueueFullError, QueueUnavailableError
from mozdef.logfmt import fields
from mozdef.queue.amqp_topology import (
    Declaration,
    connection_parameters,
    declare_async,
    describe,
    redacted,
)

logger = logging.getLogger(__name__)

RETRY_SECONDS = 1.0
_CLOSE_SECONDS = 2.0
T = TypeVar("T")


@dataclass(frozen=True)
class Outgoing:
    exchange: str
    routing_key: str
    body: bytes
    properties: BasicProperties
    # Unroutable (no queue bound) is a failure rather than a silent drop; the link
    # then sets `properties.message_id` when empty, to match the broker's return.
    mandatory: bool = False


class AmqpLink:
    def __init__(
        self,
        url: str,
        declarations: Sequence[Declaration],
        *,
        confirm_timeout: float,
        name: str,
    ) -> None:
        self.url = redacted(url)
        self._parameters = connection_parameters(url, timeout=confirm_timeout, name=name)
        self._declarations = tuple(declarations)
        self._timeout = confirm_timeout
        self._lock = threading.Lock()
        self._session: _Session | None = None
        self._down_until = 0.0
        self._down_reason = ""

    def publish(self, message: Outgoing) -> None:
        """Return once the broker confirmed `message`; QueueUnavailableError when it
        cannot be reached or does not confirm in time, QueueFullError on a nack."""
        session = self._open()
        self._wait(session, session.publish(message), "no publisher confirm")

    def message_count(self, queue: str, *, timeout: float) -> int:
        """Messages ready in `queue` (delivered but unacknowledged ones not counted).
        Asks on the open connection only: never waits for a connection to a broker
        that may be down."""
        with self._lock:
            session = self._session
        if session is None or not session.alive:
            raise QueueUnavailableError(self.url, "not connected")
        return self._wait(session, session.message_count(queue), "no answer", timeout=timeout)

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None

    def _wait(
        self, session: _Session, future: Future[T], what: str, *, timeout: float | None = None
    ) -> T:
        limit = self._timeout if timeout is None else timeout
        try:
            return future.result(timeout=limit)
        except TimeoutError:
            future.cancel()
            reason = f"{what} within {limit:g}s"
            if timeout is None:
                # A broker that stopped confirming may hold a dead connection: start over.
                self._discard(session, reason)
            raise QueueUnavailableError(self.url, reason) from None

    def _discard(self, session: _Session, reason: str) -> None:
        with self._lock:
            if self._session is session:
                self._session = None
        logger.warning("amqp.session_dropped", extra=fields(url=self.url, reason=reason))
        session.close(wait=False)

    def _open(self) -> _Session:
        with self._lock:
            if self._session is not None and self._session.alive:
                return self._session
            if self._session is not None:
                self._session.close(wait=False)
                self._session = None
            if time.monotonic() < self._down_until:
                raise QueueUnavailableError(self.url, self._down_reason)
            self._session = self._connect()
            return self._session

    def _connect(self) -> _Session:
        session = _Session(self._parameters, self._declarations, self.url)
        try:
            session.ready.result(timeout=self._timeout)
        except (TimeoutError, QueueUnavailableError) as exc:
            session.close(wait=False)
            reason = getattr(exc, "reason", f"no connection within {self._timeout:g}s")
            self._down_until, self._down_reason = time.monotonic() + RETRY_SECONDS, reason
            logger.warning("amqp.unavailable", extra=fields(url=self.url, reason=reason))
            raise QueueUnavailableError(self.url, reason) from None
        logger.info("amqp.connected", extra=fields(url=self.url))
        return session


class _Session:
    """One connection and channel; every method with a leading underscore runs on
    the I/O thread."""

    def __init__(
        self, parameters: pika.URLParameters, declarations: Sequence[Declaration], url: str
    ) -> None:
        self.ready: Future[None] = Future()
        self._url = url
        self._declarations = declarations
        self._channel: Channel | None = None
        self._failure: str | None = None
        self._tag = 0
        self._pending: dict[int, tuple[Future[None], str | None]] = {}
        self._queries: set[Future[Any]] = set()
        self._returned: set[str] = set()
        self._connection = pika.SelectConnection(
            parameters,
            on_open_callback=self._on_open,
            on_open_error_callback=self._on_open_error,
            on_close_callback=self._on_closed,
        )
        self._thread = threading.Thread(target=self._run, name="amqp-link", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._failure is None

    def publish(self, message: Outgoing) -> Future[None]:
        future: Future[None] = Future()
        self._call(lambda: self._publish(message, future), future)
        return future

    def message_count(self, queue: str) -> Future[int]:
        future: Future[int] = Future()
        self._call(lambda: self._count(queue, future), future)
        return future

    def close(self, *, wait: bool = True) -> None:
        if self._thread.is_alive():
            self._call(self._shutdown, None)
            if wait:
                self._thread.join(timeout=_CLOSE_SECONDS + 1)

    def _call(self, callback: Callable[[], None], future: Future[Any] | None) -> None:
        try:
            self._connection.ioloop.add_callback_threadsafe(callback)
        except Exception as exc:  # the loop is already closed
            if future is not None:
                _reject(future, QueueUnavailableError(self._url, f"link closed: {exc}"))

    def _run(self) -> None:
        try:
            self._connection.ioloop.start()
        finally:
            self._fail("connection closed")
            self._connection.ioloop.close()

    def _on_open(self, connection: Any) -> None:
        connection.channel(on_open_callback=self._on_channel)

    def _on_channel(self, channel: Channel) -> None:
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)

        def declared() -> None:
            self._channel = channel
            _resolve(self.ready, None)

        channel.confirm_delivery(
            self._on_confirm,
            callback=lambda _: declare_async(channel, self._declarations, declared),
        )

    def _on_open_error(self, connection: Any, error: BaseException | str) -> None:
        self._fail(f"cannot connect: {describe(error)}")
        self._connection.ioloop.stop()

    def _on_channel_closed(self, channel: Channel, reason: BaseException) -> None:
        if isinstance(reason, pika.exceptions.ChannelClosedByBroker):
            self._fail(f"refused by the broker: {describe(reason)}")
        else:
            self._fail(f"connection lost: {describe(reason)}")
        if not (self._connection.is_closing or self._connection.is_closed):
            self._connection.close()

    def _on_closed(self, connection: Any, reason: BaseException) -> None:
        self._fail(f"connection lost: {describe(reason)}")
        self._connection.ioloop.stop()

    def _shutdown(self) -> None:
        self._fail("link closed")
        # A broker that does not answer the close must not keep the thread alive.
        self._connection.ioloop.call_later(_CLOSE_SECONDS, self._connection.ioloop.stop)
        if self._connection.is_closing:
            return
        if self._connection.is_closed:
            self._connection.ioloop.stop()
        else:
            self._connection.close()

    def _publish(self, message: Outgoing, future: Future[None]) -> None:
        if self._channel is None or self._failure is not None:
            _reject(future, QueueUnavailableError(self._url, self._failure or "not open"))
            return
        properties = message.properties
        if message.mandatory and properties.message_id is None:
            properties.message_id = uuid.uuid4().hex
        self._tag += 1
        self._pending[self._tag] = (future, properties.message_id if message.mandatory else None)
        self._channel.basic_publish(
            message.exchange,
            message.routing_key,
            message.body,
            properties,
            mandatory=message.mandatory,
        )

    def _count(self, queue: str, future: Future[int]) -> None:
        if self._channel is None or self._failure is not None:
            _reject(future, QueueUnavailableError(self._url, self._failure or "not open"))
            return
        self._queries.add(future)

        def answered(frame: Any) -> None:
            self._queries.discard(future)
            _resolve(future, frame.method.message_count)

        self._channel.queue_declare(queue, passive=True, callback=answered)

    def _on_return(
        self, channel: Channel, method: Basic.Return, properties: BasicProperties, body: bytes
    ) -> None:
        # The broker sends the return before the confirm of the same message.
        if properties.message_id is not None:
            self._returned.add(properties.message_id)
        logger.warning(
            "amqp.unroutable",
            extra=fields(exchange=method.exchange, routing_key=method.routing_key),
        )

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        acked = isinstance(method, Basic.Ack)
        tags = [t for t in self._pending if t <= method.delivery_tag] if method.multiple else []
        for tag in tags or [method.delivery_tag]:
            future, message_id = self._pending.pop(tag, (None, None))
            if future is None:
                continue
            if not acked:
                _reject(future, QueueFullError("RabbitMQ queue", retry_after=1.0))
            elif message_id is not None and message_id in self._returned:
                self._returned.discard(message_id)
                reason = "no queue is bound for this message (was the queue deleted?)"
                _reject(future, QueueUnavailableError(self._url, reason))
            else:
                _resolve(future, None)

    def _fail(self, reason: str) -> None:
        if self._failure is None:
            self._failure = reason
        error = QueueUnavailableError(self._url, self._failure)
        _reject(self.ready, error)
        for future, _ in self._pending.values():
            _reject(future, error)
        for query in self._queries:
            _reject(query, error)
        self._pending.clear()
        self._queries.clear()


def _resolve(future: Future[T], value: T) -> None:
    """Complete `future` unless its caller gave up on it (cancelled) or it is done."""
    try:
        if not future.done():
            future.set_result(value)
    except InvalidStateError:
        pass


def _reject(future: Future[Any], error: Exception) -> None:
    try:
        if not future.done():
            future.set_exception(error)
    except InvalidStateError:
        pass
