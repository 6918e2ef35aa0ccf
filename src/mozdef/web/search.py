"""`/api/v1/events/search`: Lucene query, time range, sort, paging, aggregations.

GET takes `q`, `start`, `end`, `size`, `from`, `sort` and `index` as parameters;
POST takes the same as a JSON body, plus `aggs` (Elasticsearch aggregation JSON).
Times are absolute (ISO 8601) or relative (`15m`, `24h`, `now-7d`); the default
window is the last 24 hours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, cast

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mozdef.auth import requires
from mozdef.errors import MozDefError, QueryError, QuerySyntaxError
from mozdef.query.datemath import resolve_time
from mozdef.query.lucene import parse
from mozdef.store.base import EventStore, SearchRequest, SearchResult, SortOrder
from mozdef.web.responses import JSONResponse, error

MAX_SIZE = 10_000
DEFAULT_WINDOW = "24h"


def build_request(params: Mapping[str, Any], *, now: dt.datetime) -> SearchRequest:
    """A store request from API parameters; raises QueryError / QuerySyntaxError."""
    query = parse(str(params.get("q") or params.get("query") or ""))
    start = resolve_time(str(params.get("start") or DEFAULT_WINDOW), now=now)
    end = resolve_time(str(params["end"]), now=now, round_up=True) if params.get("end") else now
    if end < start:
        raise QueryError(f"end {end.isoformat()} is before start {start.isoformat()}")
    aggs = params.get("aggs")
    if aggs is not None and not isinstance(aggs, dict):
        raise QueryError("aggs must be an object of Elasticsearch aggregations")
    return SearchRequest(
        query=query,
        start=start,
        end=end,
        index=str(params.get("index") or "events-*"),
        size=_bounded_int(params, "size", 20, 0, MAX_SIZE),
        offset=_bounded_int(params, "from", 0, 0, 1_000_000),
        sort=_sort(params.get("sort")),
        aggs=cast(dict[str, Any] | None, aggs),
    )


def _bounded_int(params: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    raw = params.get(key, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise QueryError(f"{key} must be an integer, found {raw!r}") from None
    if not low <= value <= high:
        raise QueryError(f"{key} must be between {low} and {high}, found {value}")
    return value


def _sort(raw: Any) -> tuple[tuple[str, SortOrder], ...]:
    if not raw:
        return (("utctimestamp", "desc"),)
    parts = raw if isinstance(raw, list) else str(raw).split(",")
    return tuple(_sort_key(str(part)) for part in parts)


def _sort_key(text: str) -> tuple[str, SortOrder]:
    field, _, order = text.strip().partition(":")
    order = order.lower() or "asc"
    if not field or order not in ("asc", "desc"):
        raise QueryError(f"sort takes field:asc or field:desc, found {text!r}")
    return field, cast(SortOrder, order)


def result_body(result: SearchResult, took_ms: float) -> dict[str, Any]:
    return {
        "took": round(took_ms, 2),
        "total": result.total,
        "hits": [{"_id": h.id, "_index": h.index, "_source": h.source} for h in result.hits],
        "aggregations": result.aggregations,
    }


async def _search(request: Request, params: Mapping[str, Any]) -> Response:
    store: EventStore = request.app.state.system.store
    now = dt.datetime.now(dt.UTC)
    try:
        search_request = build_request(params, now=now)
        started = dt.datetime.now(dt.UTC)
        result = await run_in_threadpool(store.search, search_request)
    except QuerySyntaxError as exc:
        return error(400, "query_syntax", str(exc), position=exc.position, expected=exc.expected)
    except MozDefError as exc:
        return error(400, "bad_request", str(exc))
    took = (dt.datetime.now(dt.UTC) - started).total_seconds() * 1000
    return JSONResponse(result_body(result, took))


async def get_search(request: Request) -> Response:
    return await _search(request, dict(request.query_params))


@requires("viewer")
async def post_search(request: Request) -> Response:
    try:
        params = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        return error(400, "invalid_json", f"invalid JSON body: {exc.msg} at char {exc.pos}")
    if not isinstance(params, dict):
        return error(400, "invalid_json", "expected a JSON object")
    return await _search(request, params)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/events/search", get_search, methods=["GET"]),
        Route("/api/v1/events/search", post_search, methods=["POST"]),
    ]
