"""Real shippers against `mozdef serve`: the opensearch-py bulk helper and rsyslog's
omelasticsearch output pointed at `/_bulk`."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from opensearchpy import OpenSearch, helpers

from tests.e2e.server import Server, free_port, running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("shippers") / "data") as server:
        yield server


def total(server: Server, query: str) -> int:
    params = {"q": query, "start": "2h", "size": "0"}
    answer = httpx.get(server.url + "/api/v1/events/search", params=params, headers=server.headers)
    count: int = answer.json()["total"]
    return count


def wait_total(server: Server, query: str, expected: int, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    found = total(server, query)
    while found < expected and time.monotonic() < deadline:
        time.sleep(0.3)
        found = total(server, query)
    return found


def test_opensearch_py_bulk_helper(server: Server) -> None:
    client = OpenSearch(server.url, timeout=30)
    actions = (
        {"_index": "logs", "_source": {"message": f"helper event {n}", "host": "helper1"}}
        for n in range(500)
    )
    ok, errors = helpers.bulk(client, actions, chunk_size=100)
    assert (ok, errors) == (500, [])
    assert wait_total(server, "hostname:helper1", 500) == 500


RSYSLOG_CONF = """
module(load="imtcp")
module(load="omelasticsearch")
input(type="imtcp" port="{tcp_port}" ruleset="toMozdef")
template(name="mozdefJson" type="list" option.jsonf="on") {{
  property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="program" name="programname" format="jsonf")
  property(outname="message" name="msg" format="jsonf")
  property(outname="facility" name="syslogfacility-text" format="jsonf")
  property(outname="severity" name="syslogseverity-text" format="jsonf")
}}
ruleset(name="toMozdef") {{
  action(type="omelasticsearch" server="127.0.0.1" serverport="{http_port}"
         template="mozdefJson" searchIndex="events" bulkmode="on"
         queue.dequeueBatchSize="100" action.resumeRetryCount="-1")
}}
"""


def test_rsyslog_omelasticsearch_to_bulk(server: Server, tmp_path: Path) -> None:
    tcp_port = free_port()
    http_port = server.url.rsplit(":", 1)[1]
    conf = tmp_path / "rsyslog.conf"
    conf.write_text(RSYSLOG_CONF.format(tcp_port=tcp_port, http_port=http_port))
    command = ["rsyslogd", "-n", "-f", str(conf), "-i", str(tmp_path / "rsyslog.pid")]
    daemon = subprocess.Popen(command, stderr=subprocess.PIPE)
    try:
        _send_syslog(tcp_port, 20)
        assert wait_total(server, "hostname:rsyshost AND processname:sshd", 20) == 20
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


def _send_syslog(port: int, count: int) -> None:
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
    with sock:
        for n in range(count):
            line = f"<38>{stamp} rsyshost sshd[42]: Accepted key for u{n} from 10.0.0.{n} port 22"
            sock.sendall(line.encode() + b"\n")
