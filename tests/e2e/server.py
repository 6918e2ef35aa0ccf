"""Real `mozdef` processes (`serve`, or the scale-out `intake`, `worker`, `alerts`,
`web`) in child processes, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from mozdef.appdb import AppDb
from mozdef.auth import TokenStore, UserStore
from mozdef.config import load_settings


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
    # An admin's API token for the /api/v1 routes.
    headers: dict[str, str] = field(default_factory=dict)

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
    return start_command("serve", data_dir, port=port, env=env)


HTTP_COMMANDS = ("serve", "intake", "web")


def start_command(
    command: str,
    data_dir: Path,
    *,
    port: int | None = None,
    env: Mapping[str, str] | None = None,
    name: str | None = None,
) -> Server:
    """Start `mozdef COMMAND`; an HTTP command is waited for until it answers /status.
    `name` tells apart the logs of several processes of one command."""
    argv = [sys.executable, "-m", "mozdef.cli", command, "--data-dir", str(data_dir)]
    url = ""
    if command in HTTP_COMMANDS:
        port = port or free_port()
        argv += ["--port", str(port)]
        url = f"http://127.0.0.1:{port}"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    log = data_dir.parent / f"{name or command}-{port or os.getpid()}.log"
    environment = {**os.environ, "MOZDEF_STORE_COMMIT_INTERVAL": "0.2", **(env or {})}
    token = admin_token(data_dir, environment) if url else ""
    process = subprocess.Popen(
        argv, env=environment, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )
    server = Server(url, process, log, {"Authorization": f"Bearer {token}"} if token else {})
    if url:
        _wait_ready(server)
    return server


def admin_token(data_dir: Path, env: Mapping[str, str]) -> str:
    """An API token of an admin of the database the process will use (made once per
    database; the user `e2e` is created when missing)."""
    settings = load_settings(env=env, overrides={"data_dir": data_dir})
    database = AppDb.from_settings(settings)
    try:
        users = UserStore(database)
        user = users.get("e2e") or users.add("e2e", "admin", None)
        return TokenStore(database).create(user, f"e2e-{uuid.uuid4().hex[:8]}").token
    finally:
        database.close()


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
