"""A real `mozdef serve` in a child process, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def start(
    data_dir: Path, *, port: int | None = None, env: Mapping[str, str] | None = None
) -> Server:
    port = port or free_port()
    log = data_dir.parent / f"serve-{port}.log"
    command = [sys.executable, "-m", "mozdef.cli", "serve", "--data-dir", str(data_dir)]
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        env={**os.environ, "MOZDEF_STORE_COMMIT_INTERVAL": "0.2", **(env or {})},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    _wait_ready(server)
    return server


def _wait_ready(server: Server, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited: {server.log.read_text()[-2000:]}")
        try:
            if httpx.get(server.url + "/status", timeout=1).status_code in (200, 503):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server not ready: {server.log.read_text()[-2000:]}")


@contextmanager
def running(
    data_dir: Path, *, port: int | None = None, env: Mapping[str, str] | None = None
) -> Iterator[Server]:
    server = start(data_dir, port=port, env=env)
    try:
        yield server
    finally:
        server.stop()
