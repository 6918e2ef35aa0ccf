"""The metrics and health routes in a small app with the auth installed, over a
memory store with the builders' events and alerts and a SQLite database."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.testclient import TestClient

from mozdef.alerts.catalog import load_catalog
from mozdef.alerts.changes import DirectStatusWriter
from mozdef.alerts.rule_state import RuleStateStore
from mozdef.alerts.store import AlertStore
from mozdef.alerts.suppressions import SuppressionStore
from mozdef.appdb import AppDb
from mozdef.auth import Auth, install_auth
from mozdef.config.settings import Settings
from mozdef.intake.service import Intake
from mozdef.store.base import EventStore
from mozdef.store.memory import MemoryStore
from mozdef.system import Health
from mozdef.web import health_api, metrics_api
from mozdef.web.api_context import ApiContext
from mozdef.web.metrics_api import MetricsContext
from tests.auth.harness import FAST, PASSWORD

from .builders import NOW, serve_counters, store_alerts, store_events

SCHEDULED = """\
id: ssh-bruteforce
name: SSH brute force
query: 'details.program:sshd'
aggregate: {field: details.sourceipaddress, threshold: 3}
window: 10m
schedule: 5m
severity: ERROR
category: bruteforce
summary: '{count} failed logins from {value}'
"""

STREAMING = """\
id: intrusion-word
name: The word intrusion
query: 'summary:intrusion'
mode: streaming
severity: WARNING
category: intrusion
summary: 'intrusion reported by {hostname}'
"""


@dataclass
class ServeNode:
    """What the web app needs of `mozdef serve`, with counters the test sets."""

    settings: Settings
    event_store: EventStore | None
    counters_now: dict[str, Any] = field(default_factory=lambda: serve_counters(1000, 990))

    @property
    def intake(self) -> Intake | None:
        return None

    @property
    def store(self) -> EventStore | None:
        return self.event_store

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def health(self) -> Health:
        return Health(ready=True, accepting=True, reason="")

    def counters(self) -> dict[str, Any]:
        return dict(self.counters_now)

    def wait_searchable(self, position: int, *, timeout: float, ids: Sequence[str] = ()) -> bool:
        return False


@dataclass
class MetricsApi:
    client: TestClient
    auth: Auth
    node: ServeNode
    db: AppDb
    context: ApiContext | None

    def viewer(self) -> dict[str, str]:
        """Headers of a viewer's API token."""
        user = self.auth.users.add("vera", "viewer", PASSWORD)
        token = self.auth.tokens.create(user, "dashboard").token
        return {"Authorization": f"Bearer {token}"}


@dataclass
class Clock:
    now: float = 100.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def metrics_api_app(
    tmp_path: Path, *, with_store: bool = True, clock: Clock | None = None
) -> Iterator[MetricsApi]:
    """The app; without `with_store`, a process without an event store (`mozdef intake`).
    `clock` is the health monitor's."""
    db = AppDb.in_folder(tmp_path / "db")
    store = MemoryStore(clock=lambda: NOW) if with_store else None
    if store is not None:
        store_events(store)
        store_alerts(store)
    node = ServeNode(Settings(data_dir=tmp_path), store)
    context = None if store is None else api_context(tmp_path, store, db)
    app = Starlette(routes=metrics_api.routes() + health_api.routes())
    app.state.metrics = MetricsContext(store=store, db=db)
    app.state.health = health_api.health_monitor(node, context, clock=clock or Clock())
    auth = install_auth(app, node.settings, db, passwords=FAST)
    try:
        with TestClient(app) as client:
            yield MetricsApi(client, auth, node, db, context)
    finally:
        db.close()


def api_context(tmp_path: Path, store: EventStore, db: AppDb) -> ApiContext:
    """The alert API's context, with one scheduled and one streaming rule."""
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "scheduled.yaml").write_text(SCHEDULED)
    (folder / "streaming.yaml").write_text(STREAMING)
    alerts = AlertStore(store)
    return ApiContext(
        store=store,
        alerts=alerts,
        writer=DirectStatusWriter(alerts),
        suppressions=SuppressionStore(db),
        rule_states=RuleStateStore(db),
        catalog=load_catalog([folder]),
        db=db,
        load_catalog=lambda: load_catalog([folder]),
    )
