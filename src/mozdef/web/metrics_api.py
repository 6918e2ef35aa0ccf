"""`/api/v1/metrics/...`: counts over time for the incident handlers' dashboards (viewer).

- GET `/api/v1/metrics/events`: events per bucket, by category and by source.
- GET `/api/v1/metrics/alerts`: alerts per bucket of their creation, by rule_id, by
  severity and by category. Both take `start` (default `24h`, that is 24 hours ago), `end`
  (default now), `interval` (`auto`, the default, or a fixed width such as `5m`,
  `1h`, `1d`: at most 1000 buckets), `top` (values per breakdown, 1 to 50, default
  10) and `q` (a Lucene filter). Answer: see mozdef.metrics.series.
- GET `/api/v1/metrics/incidents`: incidents opened and closed per `interval` (`month`,
  the default, or `week`), with median and 90th percentile times to detect, verify,
  contain, mitigate and close, and counts by VERIS group and ATT&CK technique. Takes
  `start` (default `365d`) and `end`. Answer: see mozdef.metrics.incidents.

Times are written as the search API takes them. A bad or unknown parameter answers
400 with `error.parameter` naming it (and `error.position` for a syntax error in
`q`); a store or database that fails answers 503. The events and alerts routes
answer 503 in a process without an event store (`mozdef intake`).

The routes read their MetricsContext from `request.app.state.metrics`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mozdef.appdb import AppDb
from mozdef.auth import requires
from mozdef.errors import MozDefError, QuerySyntaxError
from mozdef.metrics import incidents
from mozdef.metrics.series import alert_series, event_series
from mozdef.metrics.window import (
    FixedInterval,
    MetricsParameterError,
    Window,
    bounded_int,
    fixed_interval,
    window,
)
from mozdef.query.lucene import parse
from mozdef.query.tree import Node
from mozdef.store.base import EventStore
from mozdef.web.api_context import error_answer
from mozdef.web.responses import JSONResponse, error, unavailable

SERIES_START = "24h"
INCIDENTS_START = "365d"
DEFAULT_TOP = 10
MAX_TOP = 50
SERIES_PARAMETERS = ("start", "end", "interval", "top", "q")
INCIDENT_PARAMETERS = ("start", "end", "interval")

Series = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class MetricsContext:
    """The event store (None in a process without one) and the application database."""

    store: EventStore | None
    db: AppDb


def metrics_of(request: Request) -> MetricsContext:
    context: MetricsContext = request.app.state.metrics
    return context


@requires("viewer")
async def events_metrics(request: Request) -> Response:
    return await _series(request, event_series)


@requires("viewer")
async def alerts_metrics(request: Request) -> Response:
    return await _series(request, alert_series)


@requires("viewer")
async def incidents_metrics(request: Request) -> Response:
    db = metrics_of(request).db
    params = request.query_params
    try:
        _known(params, INCIDENT_PARAMETERS)
        span = window(params, now=dt.datetime.now(dt.UTC), default_start=INCIDENTS_START)
        by = incidents.period(params.get("interval"))
        answer = await run_in_threadpool(lambda: incidents.incident_metrics(db, span, by=by))
    except MozDefError as exc:
        return _answer_error(exc)
    return JSONResponse(answer)


async def _series(request: Request, compute: Series) -> Response:
    store = metrics_of(request).store
    if store is None:
        return unavailable("this process has no event store; ask a mozdef web or serve process")
    params = request.query_params
    try:
        _known(params, SERIES_PARAMETERS)
        span, interval = _span(params)
        top = bounded_int(params, "top", DEFAULT_TOP, 1, MAX_TOP)
        query = _query(params.get("q"))
        answer = await run_in_threadpool(
            lambda: compute(store, span, interval, top=top, query=query)
        )
    except MozDefError as exc:
        return _answer_error(exc)
    return JSONResponse(answer)


def _span(params: Mapping[str, str]) -> tuple[Window, FixedInterval]:
    span = window(params, now=dt.datetime.now(dt.UTC), default_start=SERIES_START)
    return span, fixed_interval(params.get("interval"), span)


def _query(raw: str | None) -> Node | None:
    return parse(raw) if raw and raw.strip() else None


def _known(params: Mapping[str, str], known: tuple[str, ...]) -> None:
    for name in params:
        if name not in known:
            raise MetricsParameterError(name, f"unknown parameter; known: {', '.join(known)}")


def _answer_error(exc: MozDefError) -> JSONResponse:
    if isinstance(exc, MetricsParameterError):
        return error(400, "bad_request", str(exc), parameter=exc.parameter)
    if isinstance(exc, QuerySyntaxError):
        return error_answer(exc, parameter="q")
    return error_answer(exc)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/metrics/events", events_metrics, methods=["GET"]),
        Route("/api/v1/metrics/alerts", alerts_metrics, methods=["GET"]),
        Route("/api/v1/metrics/incidents", incidents_metrics, methods=["GET"]),
    ]
