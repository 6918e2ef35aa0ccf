"""What MozDef declares on a RabbitMQ broker, and how it connects to one.

Events: the durable direct exchange `eventtask` and the durable quorum queue
`eventtask` bound to it. MozDef's loginput published with the exchange's own
name as routing key, so the queue is bound with that key, and with `event` as
well for shippers written against that name. Alerts: the durable topic exchange
`alerts`; who listens binds their own queues to it.

Declaring is idempotent, so every publisher and consumer declares on connect and
any of them may start first. A queue of the same name that exists with other
arguments (a classic queue left by MozDef) makes the broker refuse the
declaration; the error names the queue so that an operator can move it aside
(`rabbitmqctl delete_queue eventtask` once it is drained) or configure
`queue.queue` to another name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.channel import Channel

from mozdef.config.settings import QueueSettings
from mozdef.errors import ConfigError

EVENTS_ROUTING_KEY = "event"

# pika logs every connection step at INFO and every failed attempt at ERROR over
# several lines; the queue's own events (`amqp.*`, `rabbitmq.*`) report them once.
logging.getLogger("pika").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class Exchange:
    name: str
    kind: str  # direct | topic | fanout


@dataclass(frozen=True)
class Queue:
    name: str
    arguments: dict[str, Any] = field(default_factory=lambda: {"x-queue-type": "quorum"})


@dataclass(frozen=True)
class Binding:
    queue: str
    exchange: str
    routing_key: str


Declaration = Exchange | Queue | Binding


def events_topology(settings: QueueSettings) -> tuple[Declaration, ...]:
    keys = dict.fromkeys((settings.exchange, EVENTS_ROUTING_KEY))
    return (
        Exchange(settings.exchange, "direct"),
        Queue(settings.queue),
        *(Binding(settings.queue, settings.exchange, key) for key in keys),
    )


def alerts_topology(settings: QueueSettings) -> tuple[Declaration, ...]:
    return (Exchange(settings.alerts_exchange, "topic"),)


def declare_blocking(channel: BlockingChannel, declarations: Sequence[Declaration]) -> None:
    for item in declarations:
        if isinstance(item, Exchange):
            channel.exchange_declare(item.name, item.kind, durable=True)
        elif isinstance(item, Queue):
            channel.queue_declare(item.name, durable=True, arguments=item.arguments)
        else:
            channel.queue_bind(item.queue, item.exchange, routing_key=item.routing_key)


def declare_async(
    channel: Channel, declarations: Sequence[Declaration], done: Callable[[], None]
) -> None:
    """Declare one item after the other on an asynchronous channel, then call `done`.
    A refused declaration closes the channel, which its close callback reports."""
    if not declarations:
        done()
        return
    item, rest = declarations[0], declarations[1:]

    def next_step(_frame: object) -> None:
        declare_async(channel, rest, done)

    if isinstance(item, Exchange):
        channel.exchange_declare(item.name, item.kind, durable=True, callback=next_step)
    elif isinstance(item, Queue):
        channel.queue_declare(item.name, durable=True, arguments=item.arguments, callback=next_step)
    else:
        channel.queue_bind(
            item.queue, item.exchange, routing_key=item.routing_key, callback=next_step
        )


def connection_parameters(url: str, *, timeout: float, name: str) -> pika.URLParameters:
    """Parameters for one connection attempt that gives up after `timeout` seconds;
    callers retry on their own schedule."""
    expected = "an amqp:// or amqps:// URL such as amqp://user:password@host:5672/%2F"
    if urlsplit(url).scheme not in ("amqp", "amqps"):
        raise ConfigError("queue.rabbitmq_url", redacted(url), expected)
    try:
        parameters = pika.URLParameters(url)
    except (ValueError, TypeError, IndexError) as exc:
        raise ConfigError("queue.rabbitmq_url", redacted(url), f"{expected} ({exc})") from exc
    parameters.connection_attempts = 1
    parameters.socket_timeout = timeout
    parameters.stack_timeout = timeout
    parameters.blocked_connection_timeout = timeout
    parameters.client_properties = {"connection_name": name}
    return parameters


def redacted(url: str) -> str:
    """`url` with its password replaced, fit for logs and error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def describe(error: BaseException | str) -> str:
    """The innermost cause of a pika error (`ConnectionRefusedError: [Errno 111] ...`):
    pika wraps a refused socket in three layers of its own exceptions."""
    for _ in range(5):
        if isinstance(error, str):
            return error
        inner = _cause(error)
        if inner is None:
            break
        error = inner
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _cause(error: BaseException) -> BaseException | None:
    single = getattr(error, "exception", None)
    if isinstance(single, BaseException):
        return single
    several = getattr(error, "exceptions", None)
    if several and isinstance(several[-1], BaseException):
        return several[-1]
    if error.args and isinstance(error.args[0], BaseException):
        return error.args[0]
    return None
