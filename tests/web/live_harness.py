"""The live routes in a small app with auth installed, over a bus the test chooses;
in-process (Starlette's TestClient) or over a real uvicorn server."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.testclient import TestClient, WebSocketTestSession

from mozdef.alerts.engine import new_alert
from mozdef.alerts.model import AlertDraft
from mozdef.alerts.store import to_document
from mozdef.appdb import AppDb
from mozdef.auth import Auth, install_auth
from mozdef.bus.message import MessageBus
from mozdef.config.settings import AuthSettings, Settings
from mozdef.web import auth_routes, live
from tests.auth.harness import FAST, PASSWORD


@dataclass
class LiveApp:
    app: Starlette
    hub: live.LiveHub
    auth: Auth

    def token(self, name: str, role: str = "analyst") -> str:
        """An API token of a new user `name`."""
        user = self.auth.users.add(name, role, PASSWORD)
        return self.auth.tokens.create(user, "test").token


def live_app(
    db: AppDb, bus: MessageBus, *, recheck_seconds: float = live.RECHECK_SECONDS
) -> LiveApp:
    app = Starlette(routes=[*live.routes(), *auth_routes.routes()])
    hub = live.LiveHub(bus, recheck_seconds=recheck_seconds)
    app.state.live = hub
    settings = Settings(auth=AuthSettings(secure_cookies=False))
    auth = install_auth(app, settings, db, passwords=FAST)
    return LiveApp(app, hub, auth)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def receive(socket: WebSocketTestSession, timeout: float = 2.0) -> Any:
    """The next JSON frame, failing the test rather than waiting for ever."""
    got: list[Any] = []
    reader = threading.Thread(target=lambda: got.append(socket.receive_json()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert got, f"no frame within {timeout}s"
    return got[0]


def receive_raw(socket: WebSocketTestSession, timeout: float = 2.0) -> Any:
    """The next ASGI message the server sent, a close included."""
    got: list[Any] = []
    reader = threading.Thread(target=lambda: got.append(socket.receive()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert got, f"nothing within {timeout}s"
    return got[0]


def connect(client: TestClient, token: str) -> contextlib.AbstractContextManager[Any]:
    return client.websocket_connect(live.PATH, headers=bearer(token))


def alert_document(summary: str = "5 failed logins for alice") -> dict[str, Any]:
    draft = AlertDraft(
        rule_id="bruteforce",
        summary=summary,
        category="authentication",
        severity="WARNING",
        dedup_key="alice",
    )
    return to_document(new_alert(draft, now=dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)))


@contextlib.contextmanager
def served(app: Starlette) -> Iterator[str]:
    """`app` under uvicorn on a free loopback port; yields its host:port."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
