"""`mozdef serve` with its syslog listeners on: a message sent over UDP and one over
TCP are searchable with their host, program and text."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx

from tests.e2e.server import free_port, running


def test_serve_takes_syslog_over_udp_and_tcp(tmp_path: Path) -> None:
    udp_port, tcp_port = free_port(), free_port()
    env = {"MOZDEF_SYSLOG_UDP_PORT": str(udp_port), "MOZDEF_SYSLOG_TCP_PORT": str(tcp_port)}
    with running(tmp_path / "data", env=env) as server:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.sendto(
                b"<38>Dec  3 10:00:00 bastion1 sshd[4242]: Accepted publickey for alice",
                ("127.0.0.1", udp_port),
            )
        with socket.create_connection(("127.0.0.1", tcp_port)) as tcp:
            message = b"<86>1 2026-12-03T10:00:01Z web2 sudo 77 - - bob : COMMAND=/bin/ls"
            tcp.sendall(str(len(message)).encode() + b" " + message)
        found: dict[str, dict[str, object]] = {}
        deadline = time.monotonic() + 30
        while len(found) < 2 and time.monotonic() < deadline:
            answer = httpx.get(
                server.url + "/api/v1/events/search",
                params={"q": "hostname:bastion1 OR hostname:web2", "start": "3650d"},
                headers=server.headers,
            )
            found = {hit["_source"]["hostname"]: hit["_source"] for hit in answer.json()["hits"]}
            time.sleep(0.3)
    assert found["bastion1"]["processname"] == "sshd"
    assert "Accepted publickey for alice" in str(found["bastion1"]["summary"])
    assert found["web2"]["processname"] == "sudo"
    assert "COMMAND=/bin/ls" in str(found["web2"]["summary"])
