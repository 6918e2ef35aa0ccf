"""How the connection reads a cluster's answers, against a local HTTP server that
answers every request with one status."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from mozdef.errors import StorageBusyError, StorageError, StorageUnavailableError
from mozdef.store.opensearch.client import Connection

REJECTED = (
    b'{"error":{"root_cause":[{"type":"rejected_execution_exception",'
    b'"reason":"rejected execution of coordinating operation"}],'
    b'"type":"rejected_execution_exception","reason":"rejected"},"status":429}'
)


class Answers(http.server.BaseHTTPRequestHandler):
    status = 429

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = REJECTED if self.status == 429 else b'{"error":"bad","status":400}'
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[http.server.HTTPServer]:
    running = http.server.HTTPServer(("127.0.0.1", 0), Answers)
    threading.Thread(target=running.serve_forever, daemon=True).start()
    yield running
    running.shutdown()
    running.server_close()


def bulk(server: http.server.HTTPServer) -> None:
    connection = Connection(f"http://127.0.0.1:{server.server_port}", timeout=5)
    try:
        connection.call("index documents", lambda: connection.client.bulk(body=b"{}\n"))
    finally:
        connection.close()


def test_a_429_answer_is_busy_with_the_clusters_reason(server: http.server.HTTPServer) -> None:
    with pytest.raises(StorageBusyError, match="index documents: rejected_execution_exception"):
        bulk(server)


def test_busy_is_a_kind_of_unavailable_that_the_worker_waits_for(
    server: http.server.HTTPServer,
) -> None:
    with pytest.raises(StorageUnavailableError):
        bulk(server)


def test_a_400_answer_is_a_refusal_not_busy(server: http.server.HTTPServer) -> None:
    Answers.status = 400
    try:
        with pytest.raises(StorageError) as raised:
            bulk(server)
        assert not isinstance(raised.value, StorageUnavailableError)
    finally:
        Answers.status = 429


def test_a_timed_out_bulk_request_is_not_sent_again_by_the_client() -> None:
    class Silent(http.server.BaseHTTPRequestHandler):
        requests = 0

        def do_POST(self) -> None:
            type(self).requests += 1
            threading.Event().wait(1.5)

        def log_message(self, format: str, *args: object) -> None:
            pass

    running = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Silent)
    threading.Thread(target=running.serve_forever, daemon=True).start()
    connection = Connection(f"http://127.0.0.1:{running.server_port}", timeout=0.3)
    try:
        with pytest.raises(StorageUnavailableError):
            connection.call("index documents", lambda: connection.client.bulk(body=b"{}\n"))
        assert Silent.requests == 1
    finally:
        connection.close()
        running.shutdown()
        running.server_close()
