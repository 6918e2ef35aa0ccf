"""The alerts, rules and suppressions API over a memory store and a SQLite database,
with status changes relayed to an applier running in this process, as the worker
of `mozdef serve` runs it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.testclient import TestClient

from mozdef.alerts.catalog import load_catalog
from mozdef.alerts.changes import ChangeApplier, RelayedStatusWriter
from mozdef.alerts.engine import new_alert
from mozdef.alerts.model import Alert, AlertDraft
from mozdef.alerts.rule_state import RuleStateStore
from mozdef.alerts.store import AlertStore
from mozdef.alerts.suppressions import SuppressionStore
from mozdef.appdb import AppDb
from mozdef.events.schema import Event
from mozdef.store.memory import MemoryStore
from mozdef.web.api_context import ApiContext
from mozdef.web.app import api_routes
from tests.alerts.builders import at, memory_store


@dataclass
class Api:
    client: TestClient
    store: MemoryStore
    # The writer's side: what the alert engine of the worker holds.
    written: AlertStore
    context: ApiContext

    def add(self, draft: AlertDraft, *, minutes: float = 0) -> Alert:
        """A stored alert made from `draft`, created `minutes` after NOW."""
        alert = new_alert(draft, now=at(minutes))
        self.written.save(alert)
        return alert


class _User:
    def __init__(self, name: str) -> None:
        self.name = name


class _SignedIn(BaseHTTPMiddleware):
    """What an authentication middleware does: the request's user, from a header."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        name = request.headers.get("x-test-user")
        if name:
            request.state.user = _User(name)
        return await call_next(request)


@contextmanager
def running_api(
    tmp_path: Path,
    *,
    rules: Mapping[str, str] | None = None,
    events: Iterable[Event] = (),
    applier: bool = True,
    change_timeout: float = 5.0,
) -> Iterator[Api]:
    """The API app; `rules` are rule files by name, `events` stored events. Without
    `applier` no process answers status changes."""
    folder = tmp_path / "rules"
    folder.mkdir()
    for name, text in (rules or {}).items():
        (folder / name).write_text(text)
    store = memory_store(events)
    db = AppDb.in_folder(tmp_path / "db")
    written = AlertStore(store)
    context = ApiContext(
        store=store,
        alerts=AlertStore(store),
        writer=RelayedStatusWriter(db, poll_seconds=0.01, grace_seconds=0.2),
        suppressions=SuppressionStore(db),
        rule_states=RuleStateStore(db),
        catalog=load_catalog([folder]),
        db=db,
        load_catalog=lambda: load_catalog([folder]),
        change_timeout=change_timeout,
    )
    app = Starlette(routes=api_routes())
    app.add_middleware(_SignedIn)
    app.state.api = context
    changes = ChangeApplier(db, written, poll_seconds=0.01)
    if applier:
        changes.start()
    try:
        with TestClient(app) as client:
            yield Api(client, store, written, context)
    finally:
        changes.stop()
        db.close()
