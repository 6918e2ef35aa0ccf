"""`/api/v1/alerts`: list and read alerts, and move them through their statuses.

- GET `/api/v1/alerts` takes `status` and `severity` (repeated, or comma lists),
  `category` and `rule` (the same), `start` and `end` (bounds of the alert's creation
  time, written as the search API writes times), `q` (Lucene over the alert's
  fields), `size` (default 50, at most 1000) and `from`. It answers
  `{"total": N, "alerts": [document...]}`, the newest first.
- GET `/api/v1/alerts/{id}`: the alert's document, or 404.
- GET `/api/v1/alerts/{id}/deliveries`: what the action routes did with it
  (`{"deliveries": [...]}`, newest first), from the application database.
- POST `/api/v1/alerts/{id}/ack`, `/escalate`, `/close` or `/reopen`, with an optional
  JSON body `{"note": "..."}`: the alert after the change; 409 when its status does
  not allow the change, 503 when the process writing alerts did not answer.

Reads see committed alerts: in `mozdef serve` a new alert or a change shows here
after the worker's next commit, about a second later.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mozdef.alerts.actions.records import AppDbDeliveryLog, DeliveryRecord
from mozdef.alerts.model import SEVERITIES, STATUSES, Status
from mozdef.alerts.store import format_time, to_document
from mozdef.errors import AlertNotFoundError, MozDefError, QueryError, QuerySyntaxError
from mozdef.query.datemath import resolve_time
from mozdef.query.lucene import parse
from mozdef.query.tree import MatchAll, Node, Term, and_, or_
from mozdef.web.api_context import actor_of, body_object, context_of, error_answer, record_action
from mozdef.web.responses import JSONResponse, error

DEFAULT_SIZE = 50
MAX_SIZE = 1000
MAX_FROM = 1_000_000
MAX_NOTE = 10_000
# The longest id `alert_changes` keeps; no alert has a longer one.
MAX_ID = 64
# Deliveries listed for one alert (a route per action, a few retries each).
MAX_DELIVERIES = 200
ACTIONS: dict[str, Status] = {
    "ack": "acknowledged",
    "escalate": "escalated",
    "close": "closed",
    "reopen": "new",
}
_TIMES = "an ISO 8601 time, epoch milliseconds, date math such as now-1h, or a duration such as 24h"

Params = ImmutableMultiDict[str, str]


@dataclass(frozen=True)
class AlertQuery:
    query: Node
    status: tuple[Status, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    size: int = DEFAULT_SIZE
    offset: int = 0


def alert_query(params: Params, *, now: dt.datetime) -> AlertQuery:
    """The listing asked for by `params`; QueryError (or QuerySyntaxError for `q`)
    names the parameter in trouble."""
    parts: list[Node | None] = [parse(params.get("q") or "")]
    parts.extend(_any_of(field, _values(params, name)) for name, field in _TERMS)
    parts.append(_any_of("severity", _severities(params)))
    clauses = [part for part in parts if part is not None and not isinstance(part, MatchAll)]
    start = _time(params, "start", now=now)
    end = _time(params, "end", now=now)
    if start is not None and end is not None and end < start:
        raise QueryError(f"end {end.isoformat()} is before start {start.isoformat()}")
    return AlertQuery(
        query=and_(*clauses) if clauses else MatchAll(),
        status=_statuses(params),
        start=start,
        end=end,
        size=_int(params, "size", DEFAULT_SIZE, MAX_SIZE),
        offset=_int(params, "from", 0, MAX_FROM),
    )


_TERMS = (("category", "category"), ("rule", "rule_id"))


def _values(params: Params, name: str) -> list[str]:
    """Every value of `name`, repeated or comma-separated."""
    return [part.strip() for raw in params.getlist(name) for part in raw.split(",") if part.strip()]


def _any_of(field: str, values: Sequence[str]) -> Node | None:
    return or_(*(Term(field, value) for value in values)) if values else None


def _statuses(params: Params) -> tuple[Status, ...]:
    found: list[Status] = []
    for value in _values(params, "status"):
        status = next((known for known in STATUSES if known == value.lower()), None)
        if status is None:
            raise QueryError(f"status must be one of {', '.join(STATUSES)}; found {value!r}")
        found.append(status)
    return tuple(found)


def _severities(params: Params) -> list[str]:
    values = _values(params, "severity")
    for value in values:
        if value.upper() not in SEVERITIES:
            raise QueryError(f"severity must be one of {', '.join(SEVERITIES)}; found {value!r}")
    return [value.upper() for value in values]


def _time(params: Params, name: str, *, now: dt.datetime) -> dt.datetime | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        return resolve_time(raw, now=now, round_up=name == "end")
    except QueryError:
        raise QueryError(f"{name} must be {_TIMES}; found {raw!r}") from None


def _int(params: Params, name: str, default: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"\d+", raw.strip()) or int(raw) > high:
        raise QueryError(f"{name} must be a whole number from 0 to {high}; found {raw!r}")
    return int(raw)


async def list_alerts(request: Request) -> Response:
    api = context_of(request)
    try:
        asked = alert_query(request.query_params, now=dt.datetime.now(dt.UTC))
    except QuerySyntaxError as exc:
        return error_answer(exc, parameter="q")
    except MozDefError as exc:
        return error_answer(exc)
    try:
        page = await run_in_threadpool(
            api.alerts.search,
            asked.query,
            status=asked.status,
            start=asked.start,
            end=asked.end,
            size=asked.size,
            offset=asked.offset,
        )
    except MozDefError as exc:
        return error_answer(exc)
    return JSONResponse({"total": page.total, "alerts": [to_document(a) for a in page.alerts]})


async def get_alert(request: Request) -> Response:
    api = context_of(request)
    alert_id = request.path_params["alert_id"]
    try:
        alert = await run_in_threadpool(api.alerts.get, alert_id)
    except MozDefError as exc:
        return error_answer(exc)
    return JSONResponse(to_document(alert))


async def list_deliveries(request: Request) -> Response:
    """The actions' deliveries of one alert, newest first: where it went and how."""
    api = context_of(request)
    log = AppDbDeliveryLog(api.db)
    try:
        found = await run_in_threadpool(
            log.records, alert_id=request.path_params["alert_id"], limit=MAX_DELIVERIES
        )
    except MozDefError as exc:
        return error_answer(exc)
    return JSONResponse({"deliveries": [delivery_document(record) for record in found]})


def delivery_document(record: DeliveryRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "route": record.route,
        "action": record.action,
        "status": record.status,
        "attempts": record.attempts,
        "created": format_time(record.created),
        "updated": format_time(record.updated),
        "error": record.error,
        "result": record.result,
    }


async def change_alert(request: Request) -> Response:
    api = context_of(request)
    alert_id, action = request.path_params["alert_id"], request.path_params["action"]
    status = ACTIONS.get(action)
    if status is None:
        known = ", ".join(ACTIONS)
        return error(404, "not_found", f"no alert action {action!r}; known: {known}")
    try:
        note = _note(await body_object(request))
        if len(alert_id) > MAX_ID:
            raise AlertNotFoundError(alert_id)
        changed = await run_in_threadpool(
            api.writer.change,
            alert_id,
            status,
            actor=actor_of(request),
            note=note,
            timeout=api.change_timeout,
        )
    except MozDefError as exc:
        return error_answer(exc)
    await record_action(request, f"alert.{action}", alert_id, {"status": status, "note": note})
    return JSONResponse(to_document(changed))


def _note(body: dict[str, object]) -> str:
    unknown = sorted(set(body) - {"note"})
    if unknown:
        raise QueryError(f"unknown field {unknown[0]!r} in the body; it takes only note")
    note = body.get("note", "")
    if not isinstance(note, str):
        raise QueryError(f"note must be a string, found {type(note).__name__}")
    if len(note) > MAX_NOTE:
        raise QueryError(f"note is over {MAX_NOTE} characters")
    return note


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/alerts", list_alerts, methods=["GET"]),
        Route("/api/v1/alerts/{alert_id}", get_alert, methods=["GET"]),
        Route("/api/v1/alerts/{alert_id}/deliveries", list_deliveries, methods=["GET"]),
        Route("/api/v1/alerts/{alert_id}/{action}", change_alert, methods=["POST"]),
    ]
