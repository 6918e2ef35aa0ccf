"""Syslog listeners on UDP, TCP and TLS, feeding the intake in batches.

`SyslogServer` runs its own asyncio loop on a thread, beside whatever serves HTTP.
Every listener puts messages into one bounded buffer; one task takes them out a
batch at a time (up to `batch_size` messages, or what came within `batch_delay`
seconds), and a worker thread parses the batch and calls `Intake.submit`, which
blocks until the spool is synced.

- UDP: one datagram is one message. A datagram over `max_message_bytes` is
  counted as rejected (`too_large`); one that finds the buffer full is counted
  under the reason the intake last refused with (`queue_full`, `disk_floor`).
- TCP and TLS: `mozdef.intake.syslog_framing` splits the stream (both framings of
  RFC 6587 on one port). A message over `max_message_bytes` is cut to that size
  and kept, tagged `truncated`. A connection that errs is closed and logged; the
  others go on. A failed TLS handshake is closed by asyncio without a log line.
- When the intake refuses (queue full, disk floor), the batch is retried until it
  is accepted. Meanwhile the buffer fills, TCP connections stop being read, and
  the senders' own buffers hold their messages: nothing read from TCP is dropped.
  `syslog.paused` and `syslog.resumed` are logged once each way.
- Syslog has no acknowledgement: what a TCP sender wrote but the server never
  read when it stops (or what sits in the buffer when `stop` times out, counted
  as `stopped`) is lost, as with any syslog receiver.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import errno
import functools
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from mozdef.config.settings import IntakeSettings, SyslogSettings
from mozdef.errors import ConfigError, IntakeError, QueueFullError
from mozdef.intake.body import Accepted, Rejection
from mozdef.intake.service import Intake, Submission
from mozdef.intake.syslog import syslog_item
from mozdef.intake.syslog_framing import Frame, Framer
from mozdef.logfmt import fields

logger = logging.getLogger(__name__)

T = TypeVar("T")

_READ_BYTES = 64 * 1024
_START_TIMEOUT = 30.0
_HANDSHAKE_TIMEOUT = 10.0
# Batches the buffer holds before TCP reading pauses and UDP drops.
_BUFFER_BATCHES = 4
# Asking a refusing intake again is cheap (a checkpoint read, a disk check), and a
# short wait lets a drained queue fill again at once.
_RETRY_SECONDS = 0.05


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, take: Callable[[bytes], None]) -> None:
        self._take = take

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self._take(data)

    def error_received(self, exc: Exception) -> None:
        logger.debug("syslog.udp_error", extra=fields(error=str(exc)))


class SyslogServer:
    def __init__(
        self,
        intake: Intake,
        settings: SyslogSettings,
        *,
        limits: IntakeSettings | None = None,
        batch_size: int = 1000,
        batch_delay: float = 0.005,
    ) -> None:
        if settings.max_message_bytes < 1:
            value = settings.max_message_bytes
            raise ConfigError("syslog.max_message_bytes", value, "a positive number of bytes")
        self._intake = intake
        self._settings = settings
        self._limits = limits or IntakeSettings()
        self._batch_size = batch_size
        self._batch_delay = batch_delay
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._buffer: asyncio.Queue[Frame | None] | None = None
        self._servers: list[asyncio.Server] = []
        self._udp: asyncio.DatagramTransport | None = None
        self._streams: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self._flusher: asyncio.Task[None] | None = None
        self._in_flight = 0
        # The reason the intake is refusing batches; None while it accepts them.
        self._refusing: str | None = None
        self.addresses: dict[str, tuple[str, int]] = {}

    @property
    def paused_reason(self) -> str | None:
        """Why the intake is refusing batches (they wait and TCP reading stops); None
        while it accepts them."""
        return self._refusing

    def start(self) -> None:
        """Open every configured listener; raises ConfigError when one cannot open."""
        ports = (self._settings.udp_port, self._settings.tcp_port, self._settings.tls_port)
        if self._thread is not None or not any(ports):
            return
        loop = asyncio.new_event_loop()
        self._executor = concurrent.futures.ThreadPoolExecutor(1, "mozdef-syslog-submit")
        self._thread = threading.Thread(target=loop.run_forever, name="mozdef-syslog", daemon=True)
        self._loop = loop
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._open(), loop).result(_START_TIMEOUT)
        except BaseException:
            self._end_loop()
            raise

    def stop(self, *, timeout: float = 10.0) -> None:
        """Close the listeners, submit what was read, and end the thread."""
        if self._loop is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._close(timeout), self._loop)
        try:
            future.result(timeout + _START_TIMEOUT)
        finally:
            self._end_loop()
        logger.info("syslog.stopped")

    def _end_loop(self) -> None:
        assert self._loop is not None and self._thread is not None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        self._loop = self._thread = self._executor = None

    async def _open(self) -> None:
        self._buffer = asyncio.Queue(self._batch_size * _BUFFER_BATCHES)
        self._servers, self._udp, self.addresses = [], None, {}
        try:
            await self._listen()
        except BaseException:
            await self._close_listeners()
            raise
        self._flusher = asyncio.get_running_loop().create_task(self._flush())

    async def _listen(self) -> None:
        settings = self._settings
        loop = asyncio.get_running_loop()
        if settings.udp_port:
            with _opening("udp_port", settings.host, settings.udp_port):
                transport, _ = await loop.create_datagram_endpoint(
                    lambda: _Datagrams(self._take_datagram),
                    local_addr=(settings.host, settings.udp_port),
                )
            self._udp = transport
            self._listening("udp", transport.get_extra_info("sockname"))
        if settings.tcp_port:
            await self._listen_stream("tcp", settings.tcp_port, None)
        if settings.tls_port:
            await self._listen_stream("tls", settings.tls_port, _tls_context(settings))

    async def _listen_stream(self, name: str, port: int, context: ssl.SSLContext | None) -> None:
        with _opening(f"{name}_port", self._settings.host, port):
            server = await asyncio.start_server(
                self._serve_stream,
                self._settings.host,
                port,
                ssl=context,
                ssl_handshake_timeout=_HANDSHAKE_TIMEOUT if context else None,
                limit=_READ_BYTES,
            )
        self._servers.append(server)
        self._listening(name, server.sockets[0].getsockname())

    def _listening(self, name: str, address: tuple[str, int]) -> None:
        self.addresses[name] = (address[0], address[1])
        logger.info("syslog.listening", extra=fields(transport=name, address=_text(address)))

    async def _close(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        await self._close_listeners()
        for writer in self._streams.values():
            writer.close()
        if self._streams:
            await asyncio.wait(list(self._streams), timeout=_remaining(deadline))
        for task in self._streams:
            task.cancel()
        assert self._buffer is not None and self._flusher is not None
        try:
            await asyncio.wait_for(self._buffer.put(None), _remaining(deadline))
            await asyncio.wait_for(self._flusher, _remaining(deadline))
        except TimeoutError:
            self._flusher.cancel()
            left = self._in_flight
            while not self._buffer.empty():
                left += self._buffer.get_nowait() is not None
            self._intake.count_refusal("stopped", left)
            logger.warning("syslog.stop_timeout", extra=fields(dropped=left))

    async def _close_listeners(self) -> None:
        if self._udp is not None:
            self._udp.close()
        for server in self._servers:
            server.close()
            await server.wait_closed()

    def _take_datagram(self, data: bytes) -> None:
        assert self._buffer is not None
        if not data.strip(b"\r\n\x00"):
            return
        if len(data) > self._settings.max_message_bytes:
            self._intake.count_refusal("too_large")
            return
        try:
            self._buffer.put_nowait(Frame(data))
        except asyncio.QueueFull:
            self._intake.count_refusal(self._refusing or "queue_full")

    async def _serve_stream(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None and self._buffer is not None
        self._streams[task] = writer
        peer = _text(writer.get_extra_info("peername"))
        framer = Framer(self._settings.max_message_bytes)
        try:
            while data := await reader.read(_READ_BYTES):
                for frame in framer.feed(data):
                    await self._buffer.put(frame)
        except Exception as exc:  # one connection: log it and keep serving the others
            logger.info("syslog.connection_error", extra=fields(peer=peer, error=repr(exc)))
        for frame in framer.close():
            await self._buffer.put(frame)
        writer.close()
        del self._streams[task]

    async def _flush(self) -> None:
        while (batch := await self._next_batch()) is not None:
            self._in_flight = len(batch)
            await self._deliver(batch)
            self._in_flight = 0

    async def _next_batch(self) -> list[Frame] | None:
        """Up to `batch_size` messages, None once the buffer's end mark is reached."""
        assert self._buffer is not None
        first = await self._buffer.get()
        if first is None:
            return None
        if self._buffer.qsize() < self._batch_size:
            await asyncio.sleep(self._batch_delay)
        batch = [first]
        while len(batch) < self._batch_size and not self._buffer.empty():
            frame = self._buffer.get_nowait()
            if frame is None:
                # Put the end mark back for the next call, behind this batch.
                self._buffer.put_nowait(None)
                break
            batch.append(frame)
        return batch

    async def _deliver(self, batch: list[Frame]) -> None:
        started = time.monotonic()
        items = await self._run(self._items, batch)
        rejections = [item for item in items if isinstance(item, Rejection)]
        if rejections:
            self._intake.count_rejections(rejections)
            first = rejections[0]
            rejected = fields(count=len(rejections), reason=first.reason, message=first.message)
            logger.info("syslog.rejected", extra=rejected)
        submissions = [Submission(item) for item in items if isinstance(item, Accepted)]
        if submissions:
            await self._submit(submissions)
        ms = round((time.monotonic() - started) * 1000, 1)
        batch_fields = fields(accepted=len(submissions), rejected=len(rejections), ms=ms)
        logger.debug("syslog.batch", extra=batch_fields)

    def _items(self, batch: list[Frame]) -> list[Accepted | Rejection]:
        return [self._item(position, frame) for position, frame in enumerate(batch)]

    def _item(self, position: int, frame: Frame) -> Accepted | Rejection:
        try:
            return syslog_item(position, frame.data, self._limits, truncated=frame.truncated)
        except Exception as exc:  # one message: a parser fault must not stop the batch
            logger.exception("syslog.parse_error", extra=fields(position=position))
            return Rejection(position, "syslog_error", f"message could not be read: {exc!r}")

    async def _submit(self, submissions: list[Submission]) -> None:
        """Submit until the intake accepts, pausing while it refuses."""
        while (delay := await self._try_submit(submissions)) is not None:
            await asyncio.sleep(delay)
        if self._refusing is not None:
            logger.info("syslog.resumed", extra=fields(reason=self._refusing))
            self._refusing = None

    async def _try_submit(self, submissions: list[Submission]) -> float | None:
        """None once submitted, else the seconds to wait before trying again."""
        try:
            await self._run(self._intake.submit, submissions)
        except QueueFullError as exc:
            return self._pause("queue_full", str(exc))
        except IntakeError as exc:
            return self._pause(exc.reason, str(exc))
        except Exception as exc:  # one batch: its events stay here until a retry works
            return self._pause("submit_error", repr(exc))
        return None

    def _pause(self, reason: str, message: str) -> float:
        if self._refusing != reason:
            logger.warning("syslog.paused", extra=fields(reason=reason, error=message))
        self._refusing = reason
        return _RETRY_SECONDS

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(function, *args))


@contextlib.contextmanager
def _opening(key: str, host: str, port: int) -> Iterator[None]:
    """Turns a failure to bind into an error naming the setting."""
    try:
        yield
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            found = f"{host}:{port} is in use by another process"
        else:
            found = f"{host}:{port} cannot be opened: {exc.strerror or exc}"
        raise ConfigError(f"syslog.{key}", port, f"a free port ({found})") from exc


def _tls_context(settings: SyslogSettings) -> ssl.SSLContext:
    if not settings.tls_cert or not settings.tls_key:
        missing = "syslog.tls_cert" if not settings.tls_cert else "syslog.tls_key"
        raise ConfigError(missing, "", "a PEM file path, needed when syslog.tls_port is set")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(settings.tls_cert, settings.tls_key)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            "syslog.tls_cert",
            settings.tls_cert,
            f"a PEM certificate matching the key syslog.tls_key={settings.tls_key!r} ({exc})",
        ) from exc
    return context


def _text(address: Any) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return str(address)


def _remaining(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())
