"""A real rsyslogd forwarding to the syslog listener with omfwd: over TCP with
octet counting (RFC 5424 messages), over TCP with newlines (rsyslog's forward
format) and over UDP. Messages go in through rsyslog's own TCP input and must
come out of the intake's spool with their host, program and text."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mozdef.config.settings import SyslogSettings
from mozdef.intake.service import Intake
from mozdef.intake.syslog_server import SyslogServer
from mozdef.queue.spool import SpoolReader, SpoolWriter
from tests.intake.test_syslog_server import free_port, read_events

RSYSLOG_CONF = """
global(net.enableDNS="off")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="{input_port}" ruleset="forward")
ruleset(name="forward") {{
  action(type="omfwd" target="127.0.0.1" port="{port}" {options}
         action.resumeRetryCount="-1" action.resumeInterval="1")
}}
"""

OPTIONS = {
    "tcp_octet_counted": (
        'protocol="tcp" TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format"'
    ),
    "tcp_newline": 'protocol="tcp" template="RSYSLOG_ForwardFormat"',
    "udp": 'protocol="udp" template="RSYSLOG_ForwardFormat"',
}

COUNT = 20


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[tuple[SpoolWriter, SpoolReader]]:
    writer = SpoolWriter(tmp_path / "spool", fsync=False)
    reader = SpoolReader(tmp_path / "spool")
    yield writer, reader
    reader.close()
    writer.close()


def listener_settings(forwarding: str) -> SyslogSettings:
    if forwarding == "udp":
        return SyslogSettings(udp_port=free_port(socket.SOCK_DGRAM))
    return SyslogSettings(tcp_port=free_port())


@pytest.mark.parametrize("forwarding", sorted(OPTIONS))
def test_rsyslog_omfwd_messages_arrive_whole(
    forwarding: str, spool: tuple[SpoolWriter, SpoolReader], tmp_path: Path
) -> None:
    settings = listener_settings(forwarding)
    input_port = free_port()
    conf = tmp_path / "rsyslog.conf"
    port = settings.udp_port or settings.tcp_port
    options = OPTIONS[forwarding]
    conf.write_text(RSYSLOG_CONF.format(input_port=input_port, port=port, options=options))
    server = SyslogServer(Intake(spool[0]), settings)
    server.start()
    command = ["rsyslogd", "-n", "-f", str(conf), "-i", str(tmp_path / "rsyslog.pid")]
    daemon = subprocess.Popen(command, stderr=subprocess.PIPE)
    try:
        send_to_rsyslog(input_port)
        events = read_events(spool[1], COUNT, timeout=20)
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)
        server.stop()

    assert sorted(e["summary"] for e in events) == sorted(
        f"Accepted key for u{n} from 10.0.0.{n} port 22" for n in range(COUNT)
    )
    assert {(e["hostname"], e["processname"], e["processid"]) for e in events} == {
        ("rsyshost", "sshd", "42")
    }
    assert {(e["severity"], e["details"]["facility"]) for e in events} == {("INFO", "auth")}


def send_to_rsyslog(port: int) -> None:
    """Newline-framed RFC 3164 lines into rsyslog's TCP input, once it listens."""
    deadline = time.monotonic() + 10
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port))
            break
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    stamp = time.strftime("%b %e %H:%M:%S", time.gmtime())
    lines = (
        f"<38>{stamp} rsyshost sshd[42]: Accepted key for u{n} from 10.0.0.{n} port 22\n"
        for n in range(COUNT)
    )
    with sock:
        sock.sendall("".join(lines).encode())
