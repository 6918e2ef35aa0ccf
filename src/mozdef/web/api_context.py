"""What the alerts, rules and suppressions routes work with, built once per app.

    context = build_context(settings, store)
    app.state.api = context          # the routes find it with `context_of(request)`

Alerts are read through an AlertStore over the app's store (committed alerts only);
status changes go through an AlertStatusWriter: relayed to the process holding the
store's writer when the store has one writer (tantivy, `mozdef serve`), written
directly when any process may write (OpenSearch). The rule catalog is loaded once,
as the alert engine loads it at its start: a rule file changed later shows after a
restart, like its effect on the engine.

Also here, for the routes of the three modules: who acts (`actor_of`), the JSON
body of a request (`body_object`), and the answer for each kind of error
(`error_answer`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request

from mozdef.alerts.bus import Bus
from mozdef.alerts.catalog import Catalog, settings_catalog
from mozdef.alerts.changes import (
    DEFAULT_TIMEOUT,
    AlertStatusWriter,
    DirectStatusWriter,
    RelayedStatusWriter,
)
from mozdef.alerts.rule_state import RuleStateStore
from mozdef.alerts.store import AlertStore
from mozdef.alerts.suppressions import SuppressionStore
from mozdef.appdb import AppDb
from mozdef.auth import audit
from mozdef.backends import shared_writes
from mozdef.config.settings import Settings
from mozdef.errors import (
    AlertChangeTimeoutError,
    AlertError,
    AlertNotFoundError,
    AppDbError,
    MozDefError,
    QueryError,
    QuerySyntaxError,
    StorageError,
)
from mozdef.store.base import EventStore
from mozdef.web.responses import BodyTooLarge, JSONResponse, error, read_body, unavailable

ANONYMOUS = "anonymous"
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ApiContext:
    store: EventStore
    alerts: AlertStore
    writer: AlertStatusWriter
    suppressions: SuppressionStore
    rule_states: RuleStateStore
    catalog: Catalog
    db: AppDb
    # A freshly loaded catalog: back-tests run rule objects no one else is using.
    load_catalog: Callable[[], Catalog]
    # Seconds a status change waits for the process writing alerts to answer.
    change_timeout: float = DEFAULT_TIMEOUT

    def close(self) -> None:
        self.db.close()


def build_context(
    settings: Settings, store: EventStore, *, db: AppDb | None = None, bus: Bus | None = None
) -> ApiContext:
    """The context of an app over `store`, with `db` (default: the configured
    application database); status changes written here are published on `bus`."""
    db = db or AppDb.from_settings(settings)
    alerts = AlertStore(store, bus=bus)
    writer: AlertStatusWriter = (
        DirectStatusWriter(alerts) if shared_writes(settings) else RelayedStatusWriter(db)
    )
    return ApiContext(
        store=store,
        alerts=alerts,
        writer=writer,
        suppressions=SuppressionStore(db),
        rule_states=RuleStateStore(db),
        catalog=settings_catalog(settings.alerts),
        db=db,
        load_catalog=lambda: settings_catalog(settings.alerts),
    )


def context_of(request: Request) -> ApiContext:
    context: ApiContext = request.app.state.api
    return context


def actor_of(request: Request) -> str:
    """Who makes a change: the user an authentication middleware put on the request,
    else `anonymous`."""
    user = getattr(request.state, "user", None)
    name = getattr(user, "name", None)
    return name if isinstance(name, str) and name else ANONYMOUS


class BodyError(QueryError):
    """A request body that is not the JSON object a route takes."""


async def body_object(request: Request) -> dict[str, Any]:
    """The JSON object of the request's body; an empty body is an empty object.
    Raises BodyError saying what is wrong."""
    try:
        raw = await read_body(request, MAX_BODY_BYTES)
    except BodyTooLarge as exc:
        raise BodyError(f"the body is over {MAX_BODY_BYTES} bytes") from exc
    if not raw.strip():
        return {}
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BodyError(f"invalid JSON body: {exc.msg} at char {exc.pos}") from None
    if not isinstance(parsed, dict):
        raise BodyError(f"the body must be a JSON object, found {type(parsed).__name__}")
    return parsed


def error_answer(exc: MozDefError, **context: Any) -> JSONResponse:
    """The HTTP answer for `exc`; `context` adds fields to the error object."""
    if isinstance(exc, QuerySyntaxError):
        position, expected = exc.position, exc.expected
        return error(400, "query_syntax", str(exc), position=position, expected=expected, **context)
    if isinstance(exc, AlertNotFoundError):
        return error(404, "not_found", str(exc), **context)
    if isinstance(exc, AlertChangeTimeoutError):
        return unavailable(str(exc), retry_after=5)
    if isinstance(exc, AlertError):
        return error(409, "conflict", str(exc), **context)
    if isinstance(exc, QueryError):
        return error(400, "bad_request", str(exc), **context)
    if isinstance(exc, StorageError | AppDbError):
        return unavailable(str(exc))
    return error(500, "internal", str(exc), **context)


async def record_action(
    request: Request, action: str, target: str, details: dict[str, Any]
) -> None:
    """Keep an analyst's action in the audit log, where the app has auth installed
    (an app built for a test of these routes alone has none)."""
    if getattr(request.app.state, "auth", None) is not None:
        await audit(request, action, target, details)
