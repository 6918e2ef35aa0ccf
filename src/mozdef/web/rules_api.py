"""`/api/v1/rules`: every rule the alert engine knows, its run record, switching it
on and off, and trying it on stored events.

- GET `/api/v1/rules`: `{"rules": [rule...], "problems": [message...], "unavailable":
  [id...]}`: the catalog's rules, the rule files' problems, and the built-ins that
  need a service this process does not have.
- GET `/api/v1/rules/{id}`: one rule, or 404.
- POST `/api/v1/rules/{id}/enable` and `/disable`: writes the rule's enabled flag in
  the application database; the running engine reads it within seconds. A rule
  disabled in its definition (`alerts.builtin_disabled`, `enabled: false`) stays off:
  its `enabled_in_definition` is false.
- POST `/api/v1/rules/{id}/test`, body `{"since": "7d", "until": "now"}` (both
  optional, times as the search API writes them): the drafts the rule would raise
  on the stored events of that period (mozdef.alerts.backtest), each with the
  suppression that would drop it, if any. Nothing is saved. The first MAX_DRAFTS
  drafts are answered; `total` counts them all. A back-test reads every event of the
  period for a streaming rule: a long period on a large store takes a while.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mozdef.alerts.backtest import backtest
from mozdef.alerts.model import AlertDraft
from mozdef.alerts.rule_state import RuleState
from mozdef.alerts.rules import LoadedRule
from mozdef.alerts.rules.timing import describe
from mozdef.alerts.store import format_time
from mozdef.alerts.suppressions import draft_document
from mozdef.errors import AppDbError, MozDefError, QueryError, RuleError, StorageError
from mozdef.logfmt import fields
from mozdef.query.datemath import resolve_time
from mozdef.web.api_context import ApiContext, body_object, context_of, error_answer, record_action
from mozdef.web.responses import JSONResponse, error

log = logging.getLogger(__name__)

MAX_DRAFTS = 1000
DEFAULT_SINCE = "7d"
_TIMES = "an ISO 8601 time, epoch milliseconds, date math such as now-1h, or a duration such as 7d"


def rule_document(rule: LoadedRule, state: RuleState | None) -> dict[str, Any]:
    """What the API shows of `rule`, with its run-time state (none yet: never ran)."""
    meta = rule.meta
    current = state or RuleState(meta.id)
    return {
        "id": meta.id,
        "title": meta.name,
        "form": meta.form,
        "source": None if meta.path is None else str(meta.path),
        "line": meta.line,
        "severity": meta.severity,
        "category": meta.category,
        "tags": list(meta.tags),
        "description": meta.description,
        "schedule": _schedule(rule),
        "enabled": meta.enabled and current.enabled,
        "enabled_in_definition": meta.enabled,
        "last_run": _time(current.last_run),
        "next_run": _time(current.next_run),
        "last_duration": current.last_duration,
        "last_hits": current.last_hits,
        "total_runs": current.total_runs,
        "total_failures": current.total_failures,
        "consecutive_failures": current.consecutive_failures,
        "last_error": current.last_error,
    }


def _schedule(rule: LoadedRule) -> dict[str, Any] | str | None:
    schedule = rule.meta.schedule
    if schedule is None:
        return "streaming" if callable(getattr(rule, "match", None)) else None
    return {
        "interval": None if schedule.interval is None else describe(schedule.interval),
        "crontab": schedule.crontab,
        "lookback": describe(schedule.lookback),
    }


def _time(moment: dt.datetime | None) -> str | None:
    return None if moment is None else format_time(moment)


def draft_answer(draft: AlertDraft, suppressed_by: str | None) -> dict[str, Any]:
    samples = [
        {"documentid": s.id, "documentindex": s.index, "documentsource": s.source}
        for s in draft.events
    ]
    extra = {"count": draft.count, "url": draft.url, "events": samples}
    return {**draft_document(draft), **extra, "suppressed_by": suppressed_by}


def _found(api: ApiContext, request: Request) -> LoadedRule | Response:
    rule_id = request.path_params["rule_id"]
    rule = api.catalog.get(rule_id)
    if rule is not None:
        return rule
    if rule_id in api.catalog.unavailable:
        reason = f"built-in rule {rule_id!r} needs a service this process does not run"
        return error(404, "not_found", reason)
    return error(404, "not_found", f"no rule {rule_id!r}; GET /api/v1/rules lists them")


async def list_rules(request: Request) -> Response:
    api = context_of(request)
    try:
        states = await run_in_threadpool(api.rule_states.all)
    except MozDefError as exc:
        return error_answer(exc)
    body = {
        "rules": [rule_document(rule, states.get(rule.meta.id)) for rule in api.catalog.rules],
        "problems": [str(problem) for problem in api.catalog.problems],
        "unavailable": list(api.catalog.unavailable),
    }
    return JSONResponse(body)


async def get_rule(request: Request) -> Response:
    api = context_of(request)
    rule = _found(api, request)
    if isinstance(rule, Response):
        return rule
    try:
        state = await run_in_threadpool(api.rule_states.get, rule.meta.id)
    except MozDefError as exc:
        return error_answer(exc)
    return JSONResponse(rule_document(rule, state))


async def enable_rule(request: Request) -> Response:
    return await _switch(request, enabled=True)


async def disable_rule(request: Request) -> Response:
    return await _switch(request, enabled=False)


async def _switch(request: Request, *, enabled: bool) -> Response:
    api = context_of(request)
    rule = _found(api, request)
    if isinstance(rule, Response):
        return rule
    rule_id = rule.meta.id

    try:
        state = await run_in_threadpool(api.rule_states.set_enabled, rule_id, enabled)
    except MozDefError as exc:
        return error_answer(exc)
    log.info("rules.switched", extra=fields(rule=rule_id, enabled=enabled))
    action = "rule.enable" if enabled else "rule.disable"
    await record_action(request, action, rule_id, {})
    return JSONResponse(rule_document(rule, state))


async def test_rule(request: Request) -> Response:
    api = context_of(request)
    rule = _found(api, request)
    if isinstance(rule, Response):
        return rule
    try:
        since, until = _period(await body_object(request), now=dt.datetime.now(dt.UTC))
        answer = await run_in_threadpool(_tried, api, rule.meta.id, since, until)
    except RuleError as exc:
        return error(422, "rule_failed", str(exc), rule_id=rule.meta.id)
    except MozDefError as exc:
        return error_answer(exc)
    return JSONResponse(answer)


def _period(body: dict[str, Any], *, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    unknown = sorted(set(body) - {"since", "until"})
    if unknown:
        raise QueryError(f"unknown field {unknown[0]!r} in the body; it takes since and until")
    since = _resolved(body, "since", DEFAULT_SINCE, now=now)
    until = _resolved(body, "until", "now", now=now)
    if until <= since:
        raise QueryError(f"until {until.isoformat()} is not after since {since.isoformat()}")
    return since, until


def _resolved(body: dict[str, Any], key: str, default: str, *, now: dt.datetime) -> dt.datetime:
    raw = body.get(key, default)
    if not isinstance(raw, str):
        raise QueryError(f"{key} must be {_TIMES}; found {raw!r}")
    try:
        return resolve_time(raw, now=now)
    except QueryError:
        raise QueryError(f"{key} must be {_TIMES}; found {raw!r}") from None


def _tried(api: ApiContext, rule_id: str, since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
    """Back-test a freshly loaded copy of the rule: a windowed streaming rule keeps
    state, which must be neither the engine's nor another test's."""
    rule = api.load_catalog().get(rule_id)
    if rule is None:
        raise RuleError("no longer defined in the rule files", rule_id=rule_id)
    try:
        drafts = backtest(rule, api.store, since, until)
    except (StorageError, AppDbError):
        raise
    except Exception as exc:
        # The isolation boundary of one rule's test: the rule's own failure.
        log.exception("rules.test_failed", extra=fields(rule=rule_id))
        raise RuleError(f"the rule failed: {type(exc).__name__}: {exc}", rule_id=rule_id) from exc
    suppressed = [api.suppressions.find(draft, now=until) for draft in drafts]
    return {
        "rule_id": rule_id,
        "since": format_time(since),
        "until": format_time(until),
        "total": len(drafts),
        "suppressed": sum(1 for found in suppressed if found is not None),
        "drafts": [
            draft_answer(draft, None if found is None else found.id)
            for draft, found in zip(drafts[:MAX_DRAFTS], suppressed, strict=False)
        ],
    }


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/rules", list_rules, methods=["GET"]),
        Route("/api/v1/rules/{rule_id}", get_rule, methods=["GET"]),
        Route("/api/v1/rules/{rule_id}/enable", enable_rule, methods=["POST"]),
        Route("/api/v1/rules/{rule_id}/disable", disable_rule, methods=["POST"]),
        Route("/api/v1/rules/{rule_id}/test", test_rule, methods=["POST"]),
    ]
