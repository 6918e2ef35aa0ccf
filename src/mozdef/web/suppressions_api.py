"""`/api/v1/suppressions`: known-good activity kept from raising alerts.

- GET `/api/v1/suppressions`: `{"suppressions": [...]}`, active and expired, the
  newest first, each with `active`, its `hits` and `last_hit`.
- GET `/api/v1/suppressions/{id}`: one, or 404.
- POST `/api/v1/suppressions`, body `{"query", "reason", "rule_id"?, "expires"?}`:
  201 and the new suppression. `query` is Lucene (400 names the position of a
  syntax error); `rule_id` limits it to one rule of the catalog; `expires` is an
  ISO 8601 time, date math (`now+12h`) or a duration from now (`7d`), and must be
  in the future. Who made it is the request's actor.
- DELETE `/api/v1/suppressions/{id}`: 204, or 404.

The alert engine of another process sees a change within its suppression store's
refresh period (10 s).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mozdef.alerts.scheduler import HEALTH_RULE
from mozdef.alerts.store import format_time
from mozdef.alerts.suppressions import Suppression
from mozdef.errors import MozDefError, QueryError, QuerySyntaxError
from mozdef.logfmt import fields
from mozdef.query.datemath import resolve_time
from mozdef.web.api_context import (
    ApiContext,
    actor_of,
    body_object,
    context_of,
    error_answer,
    record_action,
)
from mozdef.web.responses import JSONResponse, error

log = logging.getLogger(__name__)

FIELDS = ("query", "reason", "rule_id", "expires")
MAX_TEXT = 10_000
_DURATION = re.compile(r"\d+[yMwdhHms]")
_EXPIRES = "an ISO 8601 time, date math such as now+12h, or a duration from now such as 7d"


def suppression_document(suppression: Suppression, *, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": suppression.id,
        "query": suppression.query,
        "reason": suppression.reason,
        "rule_id": suppression.rule_id,
        "created_by": suppression.created_by,
        "created": format_time(suppression.created),
        "expires": None if suppression.expires is None else format_time(suppression.expires),
        "active": suppression.active(now),
        "hits": suppression.hits,
        "last_hit": None if suppression.last_hit is None else format_time(suppression.last_hit),
    }


def expiry(raw: object, *, now: dt.datetime) -> dt.datetime | None:
    """The expiry time that `raw` names (None: never); QueryError when it is not one,
    or not in the future."""
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise QueryError(f"expires must be {_EXPIRES}; found {raw!r}")
    text = raw.strip()
    try:
        moment = resolve_time(f"now+{text}" if _DURATION.fullmatch(text) else text, now=now)
    except QueryError:
        raise QueryError(f"expires must be {_EXPIRES}; found {raw!r}") from None
    if moment <= now:
        raise QueryError(f"expires {format_time(moment)} is not in the future")
    return moment


def _text(body: dict[str, Any], key: str, *, required: bool) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise QueryError(f"{key} is required: a non-empty string")
    if len(value) > MAX_TEXT:
        raise QueryError(f"{key} is over {MAX_TEXT} characters")
    return value


def _rule_id(api: ApiContext, body: dict[str, Any]) -> str | None:
    rule_id = _text(body, "rule_id", required=False)
    if rule_id is not None and rule_id not in (*api.catalog.ids(), HEALTH_RULE):
        raise QueryError(f"rule_id {rule_id!r} names no rule; GET /api/v1/rules lists them")
    return rule_id


async def list_suppressions(request: Request) -> Response:
    api = context_of(request)
    try:
        found = await run_in_threadpool(api.suppressions.all)
    except MozDefError as exc:
        return error_answer(exc)
    now = dt.datetime.now(dt.UTC)
    return JSONResponse({"suppressions": [suppression_document(s, now=now) for s in found]})


async def get_suppression(request: Request) -> Response:
    api = context_of(request)
    suppression_id = request.path_params["suppression_id"]
    try:
        found = await run_in_threadpool(api.suppressions.get, suppression_id)
    except MozDefError as exc:
        return error_answer(exc)
    if found is None:
        return error(404, "not_found", f"no suppression {suppression_id!r}")
    return JSONResponse(suppression_document(found, now=dt.datetime.now(dt.UTC)))


async def add_suppression(request: Request) -> Response:
    api = context_of(request)
    now = dt.datetime.now(dt.UTC)
    try:
        body = await body_object(request)
        unknown = sorted(set(body) - set(FIELDS))
        if unknown:
            raise QueryError(f"unknown field {unknown[0]!r}; known: {', '.join(FIELDS)}")
        query = _text(body, "query", required=True)
        reason = _text(body, "reason", required=True)
        assert query is not None and reason is not None
        rule_id = _rule_id(api, body)
        expires = expiry(body.get("expires"), now=now)
        made = await run_in_threadpool(
            lambda: api.suppressions.add(
                query, reason=reason, by=actor_of(request), rule_id=rule_id, expires=expires
            )
        )
    except QuerySyntaxError as exc:
        return error_answer(exc, field="query")
    except MozDefError as exc:
        return error_answer(exc)
    log.info("suppressions.added", extra=fields(id=made.id, rule=rule_id, by=made.created_by))
    details = {"query": query, "reason": reason, "rule_id": rule_id}
    await record_action(request, "suppression.add", made.id, details)
    return JSONResponse(suppression_document(made, now=now), 201)


async def remove_suppression(request: Request) -> Response:
    api = context_of(request)
    suppression_id = request.path_params["suppression_id"]
    try:
        removed = await run_in_threadpool(api.suppressions.remove, suppression_id)
    except MozDefError as exc:
        return error_answer(exc)
    if not removed:
        return error(404, "not_found", f"no suppression {suppression_id!r}")
    log.info("suppressions.removed", extra=fields(id=suppression_id, by=actor_of(request)))
    await record_action(request, "suppression.remove", suppression_id, {})
    return Response(status_code=204)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/suppressions", list_suppressions, methods=["GET"]),
        Route("/api/v1/suppressions", add_suppression, methods=["POST"]),
        Route("/api/v1/suppressions/{suppression_id}", get_suppression, methods=["GET"]),
        Route("/api/v1/suppressions/{suppression_id}", remove_suppression, methods=["DELETE"]),
    ]
