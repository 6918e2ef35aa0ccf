"""The RabbitMQ broker for the queue tests.

The broker runs for real (`scripts/rabbitmq.sh start` prints its URL); the test
command exports that URL as MOZDEF_TEST_RABBITMQ_URL. Without the variable the
RabbitMQ tests fail, saying how to start the broker. Each test gets exchanges and a
queue with names of its own, deleted afterwards, so tests neither see nor wait for
each other's messages.

`TcpProxy` stands between a client and the broker so that a test can cut or stall
the connection the way a network or a broker restart would.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

import pika
import pika.exceptions
import pytest
from pika.adapters.blocking_connection import BlockingChannel

from mozdef.config.settings import QueueSettings

RABBITMQ_URL_VARIABLE = "MOZDEF_TEST_RABBITMQ_URL"


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    url = os.environ.get(RABBITMQ_URL_VARIABLE)
    if not url:
        pytest.fail(
            f"{RABBITMQ_URL_VARIABLE} is not set: run `scripts/rabbitmq.sh start` and export "
            f"{RABBITMQ_URL_VARIABLE}=$(scripts/rabbitmq.sh url) (scripts/test.sh does both)"
        )
    return url


@pytest.fixture
def queue_settings(rabbitmq_url: str) -> Iterator[QueueSettings]:
    """Settings naming an exchange, a queue and an alerts exchange of this test only."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    settings = QueueSettings(
        backend="rabbitmq",
        rabbitmq_url=rabbitmq_url,
        exchange=f"{name}-x",
        queue=f"{name}-q",
        alerts_exchange=f"{name}-alerts",
        prefetch=100,
        confirm_timeout=2.0,
    )
    yield settings
    with broker_channel(rabbitmq_url) as channel:
        channel.queue_delete(settings.queue)
        channel.exchange_delete(settings.exchange)
        channel.exchange_delete(settings.alerts_exchange)


@contextlib.contextmanager
def broker_channel(url: str) -> Iterator[BlockingChannel]:
    """A plain pika channel, as a shipper or a listener outside MozDef would use."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        yield connection.channel()
    finally:
        with contextlib.suppress(pika.exceptions.AMQPError):
            connection.close()


class TcpProxy:
    """Forwards 127.0.0.1:<port> to the broker; `cut` drops every connection, `stall`
    stops forwarding in both directions without closing anything."""

    def __init__(self, target_url: str) -> None:
        target = urlsplit(target_url)
        self._target = (target.hostname or "127.0.0.1", target.port or 5672)
        self._listener = socket.create_server(("127.0.0.1", 0))
        port = self._listener.getsockname()[1]
        self.url = urlunsplit(target._replace(netloc=f"{target.netloc.rpartition(':')[0]}:{port}"))
        self._sockets: list[socket.socket] = []
        self._flowing = threading.Event()
        self._flowing.set()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._sockets.clear()

    def stall(self) -> None:
        self._flowing.clear()

    def close(self) -> None:
        self._closed = True
        self._flowing.set()
        self._listener.close()
        self.cut()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._target)
            self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self._flowing.wait()
                if self._closed:
                    return
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def proxy(rabbitmq_url: str) -> Iterator[TcpProxy]:
    tcp_proxy = TcpProxy(rabbitmq_url)
    yield tcp_proxy
    tcp_proxy.close()


@pytest.fixture
def proxied_settings(queue_settings: QueueSettings, proxy: TcpProxy) -> QueueSettings:
    """The test's names, reached through the proxy."""
    return replace(queue_settings, rabbitmq_url=proxy.url)
