"""The syslog listeners end to end: real sockets into an Intake over a real spool."""

from __future__ import annotations

import logging
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest

from mozdef.config.settings import SyslogSettings
from mozdef.errors import ConfigError
from mozdef.intake.service import Intake
from mozdef.intake.syslog_server import SyslogServer
from mozdef.queue.memory import MemoryQueue
from mozdef.queue.spool import SpoolReader, SpoolWriter

LINE = "<38>Dec  3 13:38:59 bastion sshd[42]: Accepted key for u{n}"


def free_port(kind: socket.SocketKind = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(intake: Intake, settings: SyslogSettings, **options: Any) -> Iterator[SyslogServer]:
    with serving_server(SyslogServer(intake, settings, **options)) as server:
        yield server


@contextmanager
def serving_server(server: SyslogServer) -> Iterator[SyslogServer]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


def read_events(reader: SpoolReader, count: int, timeout: float = 10) -> list[dict[str, Any]]:
    """At least `count` events from the spool, or as many as came before `timeout`."""
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(events) < count and time.monotonic() < deadline:
        delivery = reader.consume(10_000, timeout=0.05)
        if delivery is not None:
            events.extend(orjson.loads(record.body) for record in delivery.records)
            reader.ack(delivery.token)
    return events


def wait_for(condition: Callable[[], bool], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "1"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-keyout", str(key), "-out", str(cert)),
            *("-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[tuple[SpoolWriter, SpoolReader]]:
    writer = SpoolWriter(tmp_path / "spool", fsync=False)
    reader = SpoolReader(tmp_path / "spool")
    yield writer, reader
    reader.close()
    writer.close()


def test_udp_datagrams_arrive_as_events(spool: tuple[SpoolWriter, SpoolReader]) -> None:
    settings = SyslogSettings(udp_port=free_port(socket.SOCK_DGRAM))
    with serving(Intake(spool[0]), settings), socket.socket(type=socket.SOCK_DGRAM) as sock:
        for n in range(3):
            sock.sendto(LINE.format(n=n).encode(), ("127.0.0.1", settings.udp_port))
        events = read_events(spool[1], 3)
    assert sorted(e["summary"] for e in events) == [f"Accepted key for u{n}" for n in range(3)]
    assert {(e["hostname"], e["processname"], e["processid"]) for e in events} == {
        ("bastion", "sshd", "42")
    }


def test_udp_datagram_over_the_limit_is_counted_too_large(
    spool: tuple[SpoolWriter, SpoolReader],
) -> None:
    settings = SyslogSettings(udp_port=free_port(socket.SOCK_DGRAM), max_message_bytes=100)
    intake = Intake(spool[0])
    with serving(intake, settings), socket.socket(type=socket.SOCK_DGRAM) as sock:
        sock.sendto(b"<14>" + b"x" * 200, ("127.0.0.1", settings.udp_port))
        sock.sendto(b"<14>small", ("127.0.0.1", settings.udp_port))
        events = read_events(spool[1], 1)
    assert [e["summary"] for e in events] == ["small"]
    assert intake.rejected == {"too_large": 1}


def test_tcp_takes_both_framings_on_one_connection(
    spool: tuple[SpoolWriter, SpoolReader],
) -> None:
    settings = SyslogSettings(tcp_port=free_port())
    octet = b"<13>1 2024-12-03T13:38:59Z h2 app - - - counted"
    with serving(Intake(spool[0]), settings):
        with socket.create_connection(("127.0.0.1", settings.tcp_port)) as sock:
            sock.sendall(b"<13>Dec  3 13:38:59 h1 app: newline\n")
            sock.sendall(str(len(octet)).encode() + b" " + octet)
            sock.sendall(b"<13>Dec  3 13:38:59 h3 app: nul\x00<13>Dec  3 13:38:59 h4 app: last")
        events = read_events(spool[1], 4)
    found = sorted((e["hostname"], e["summary"]) for e in events)
    assert found == [("h1", "newline"), ("h2", "counted"), ("h3", "nul"), ("h4", "last")]


def test_tcp_oversize_message_is_cut_and_tagged(spool: tuple[SpoolWriter, SpoolReader]) -> None:
    settings = SyslogSettings(tcp_port=free_port(), max_message_bytes=40)
    with serving(Intake(spool[0]), settings):
        with socket.create_connection(("127.0.0.1", settings.tcp_port)) as sock:
            sock.sendall(b"<13>Dec  3 13:38:59 h1 app: " + b"y" * 100 + b"\n")
        events = read_events(spool[1], 1)
    assert [(e["summary"], e["tags"]) for e in events] == [("y" * 12, ["truncated"])]


def test_garbage_client_does_not_stop_the_listener(
    spool: tuple[SpoolWriter, SpoolReader],
) -> None:
    settings = SyslogSettings(tcp_port=free_port())
    with serving(Intake(spool[0]), settings):
        with socket.create_connection(("127.0.0.1", settings.tcp_port)) as bad:
            bad.sendall(b"\xff\xfe\x00garbage\n\x01\x02\n9999999999 <13>never ends")
        with socket.create_connection(("127.0.0.1", settings.tcp_port)) as good:
            good.sendall(LINE.format(n=1).encode() + b"\n")
        events = read_events(spool[1], 5)
    assert {e["summary"]: e.get("tags") for e in events} == {
        "\ufffd\ufffd": ["invalid-utf8", "syslog-unparsed"],
        "garbage": ["syslog-unparsed"],
        "\x01\x02": ["syslog-unparsed"],
        "never ends": ["truncated"],
        "Accepted key for u1": None,
    }


def test_tls_listener_takes_octet_counted_messages(
    spool: tuple[SpoolWriter, SpoolReader], tmp_path: Path
) -> None:
    cert, key = self_signed(tmp_path)
    settings = SyslogSettings(tls_port=free_port(), tls_cert=str(cert), tls_key=str(key))
    context = ssl.create_default_context(cafile=str(cert))
    with serving(Intake(spool[0]), settings):
        raw = socket.create_connection(("127.0.0.1", settings.tls_port))
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as sock:
            for n in range(2):
                message = LINE.format(n=n).encode()
                sock.sendall(str(len(message)).encode() + b" " + message)
            # A clean TLS close: closing with the server's session tickets unread
            # would reset the connection and discard what the server had not read.
            sock.unwrap()
        events = read_events(spool[1], 2)
    assert sorted(e["summary"] for e in events) == ["Accepted key for u0", "Accepted key for u1"]


def test_plain_text_on_the_tls_port_does_not_stop_it(
    spool: tuple[SpoolWriter, SpoolReader], tmp_path: Path
) -> None:
    cert, key = self_signed(tmp_path)
    settings = SyslogSettings(tls_port=free_port(), tls_cert=str(cert), tls_key=str(key))
    context = ssl.create_default_context(cafile=str(cert))
    with serving(Intake(spool[0]), settings):
        with socket.create_connection(("127.0.0.1", settings.tls_port)) as plain:
            plain.sendall(LINE.format(n=0).encode() + b"\n")
            assert plain.recv(100) == b""
        raw = socket.create_connection(("127.0.0.1", settings.tls_port))
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as sock:
            sock.sendall(LINE.format(n=1).encode() + b"\n")
            sock.unwrap()
        events = read_events(spool[1], 1)
    assert [e["summary"] for e in events] == ["Accepted key for u1"]


def test_max_message_bytes_below_one_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        SyslogServer(Intake(MemoryQueue()), SyslogSettings(tcp_port=1, max_message_bytes=0))
    assert caught.value.key == "syslog.max_message_bytes"


def test_tls_port_without_a_certificate_is_a_config_error() -> None:
    server = SyslogServer(Intake(MemoryQueue()), SyslogSettings(tls_port=free_port()))
    with pytest.raises(ConfigError) as caught:
        server.start()
    assert caught.value.key == "syslog.tls_cert"


def test_port_in_use_stops_start_up_naming_the_setting(
    spool: tuple[SpoolWriter, SpoolReader],
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = SyslogServer(Intake(spool[0]), SyslogSettings(tcp_port=port))
        with pytest.raises(ConfigError) as caught:
            server.start()
    assert caught.value.key == "syslog.tcp_port"
    assert f"127.0.0.1:{port} is in use by another process" in str(caught.value)


def test_each_listener_logs_its_address(
    spool: tuple[SpoolWriter, SpoolReader], caplog: pytest.LogCaptureFixture
) -> None:
    settings = SyslogSettings(udp_port=free_port(socket.SOCK_DGRAM), tcp_port=free_port())
    caplog.set_level(logging.INFO, logger="mozdef.intake.syslog_server")
    with serving(Intake(spool[0]), settings) as server:
        assert server.addresses == {
            "udp": ("127.0.0.1", settings.udp_port),
            "tcp": ("127.0.0.1", settings.tcp_port),
        }
    listening = [
        r.__dict__["mozdef_fields"] for r in caplog.records if r.getMessage() == "syslog.listening"
    ]
    assert listening == [
        {"transport": "udp", "address": f"127.0.0.1:{settings.udp_port}"},
        {"transport": "tcp", "address": f"127.0.0.1:{settings.tcp_port}"},
    ]


def test_tcp_waits_out_a_full_queue_and_loses_nothing(tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path / "spool", fsync=False, max_pending_bytes=4000)
    reader = SpoolReader(tmp_path / "spool")
    intake = Intake(writer)
    settings = SyslogSettings(tcp_port=free_port())
    with serving(intake, settings, batch_size=10) as server:
        with socket.create_connection(("127.0.0.1", settings.tcp_port)) as sock:
            sock.sendall(b"".join(LINE.format(n=n).encode() + b"\n" for n in range(200)))
        assert wait_for(lambda: server.paused_reason == "queue_full")
        events = read_events(reader, 200)
        assert wait_for(lambda: server.paused_reason is None)
    reader.close()
    writer.close()
    assert sorted(e["summary"] for e in events) == sorted(
        f"Accepted key for u{n}" for n in range(200)
    )
    assert intake.rejected == {}


def test_udp_drops_while_refused_are_counted_under_the_reason(
    spool: tuple[SpoolWriter, SpoolReader],
) -> None:
    problem: list[str] = ["free disk below the floor"]
    intake = Intake(spool[0], disk_problem=lambda: problem[0] if problem else None)
    settings = SyslogSettings(udp_port=free_port(socket.SOCK_DGRAM))
    server = SyslogServer(intake, settings, batch_size=2)
    with serving_server(server), socket.socket(type=socket.SOCK_DGRAM) as sock:
        sock.sendto(LINE.format(n=0).encode(), ("127.0.0.1", settings.udp_port))
        assert wait_for(lambda: server.paused_reason == "disk_floor")
        for n in range(1, 30):
            sock.sendto(LINE.format(n=n).encode(), ("127.0.0.1", settings.udp_port))
        # One batch waits in flight, four batches of two in the buffer.
        assert wait_for(lambda: intake.rejected["disk_floor"] == 21)
        problem.clear()
        events = read_events(spool[1], 9)
    assert len(events) == 9
    assert intake.rejected == {"disk_floor": 21}


def test_stop_submits_what_was_read(spool: tuple[SpoolWriter, SpoolReader]) -> None:
    settings = SyslogSettings(tcp_port=free_port())
    server = SyslogServer(Intake(spool[0]), settings, batch_delay=0.5)
    server.start()
    with socket.create_connection(("127.0.0.1", settings.tcp_port)) as sock:
        sock.sendall(LINE.format(n=7).encode())
        time.sleep(0.1)
        server.stop()
    events = read_events(spool[1], 1, timeout=1)
    assert [e["summary"] for e in events] == ["Accepted key for u7"]


def test_no_port_set_starts_nothing() -> None:
    server = SyslogServer(Intake(MemoryQueue()), SyslogSettings())
    server.start()
    assert server.addresses == {}
    server.stop()


def test_stop_past_its_timeout_counts_what_is_left_as_stopped() -> None:
    intake = Intake(MemoryQueue(), disk_problem=lambda: "free disk below the floor")
    settings = SyslogSettings(tcp_port=free_port())
    server = SyslogServer(intake, settings, batch_size=2)
    server.start()
    with socket.create_connection(("127.0.0.1", settings.tcp_port)) as sock:
        sock.sendall(b"".join(LINE.format(n=n).encode() + b"\n" for n in range(5)))
        assert wait_for(lambda: server.paused_reason == "disk_floor")
        server.stop(timeout=0.2)
    assert intake.rejected == {"stopped": 5}
