"""`/api/v1/blocklist` and `/api/v1/watchlist`: blocking attackers and watching for terms.

    GET    /api/v1/blocklist                  viewer   a page: kind (ip, fqdn), state
                                                       (active, expired, removed, all),
                                                       q (text, or an IP address to find
                                                       the networks holding it), limit,
                                                       offset; newest first, with total
    POST   /api/v1/blocklist                  analyst  {"value", "reason", "kind"?,
                                                       "expires"?}: 201 when added, 200
                                                       when an active entry already
                                                       covered it (`outcome` extended or
                                                       unchanged)
    GET    /api/v1/blocklist/{id}             viewer   one entry, any state
    DELETE /api/v1/blocklist/{id}             analyst  unblock: the entry, kept as removed
    GET    /api/v1/blocklist/ip.txt           viewer   active IP entries, one a line
    GET    /api/v1/blocklist/fqdn.txt         viewer   active host names, one a line
    GET    /api/v1/blocklist/protected        viewer   the ranges never blocked
    POST   /api/v1/blocklist/protected        admin    {"network", "reason"}: 201
    DELETE /api/v1/blocklist/protected/{id}   admin    204; only ranges admins added
    GET    /api/v1/watchlist                  viewer   a page: state, q, limit, offset
    POST   /api/v1/watchlist                  analyst  {"term", "reason", "field"?,
                                                       "expires"?}: 201, or 200 as above
    GET    /api/v1/watchlist/{id}             viewer   one term
    DELETE /api/v1/watchlist/{id}             analyst  the term, kept as removed

A firewall fetching the .txt exports uses an API token of a viewer (`Authorization:
Bearer mozdef_...`). Reading the protected ranges needs only a viewer: every refusal
names the range anyway, and analysts need to know what they cannot block.

`expires` is an ISO 8601 time, date math (`now+12h`) or a duration from now (`7d`),
in the future; without it an entry lasts until removed. Bad input answers 400 with
the `field` at fault; a value a protected range covers 409 naming the
`protected_range`; an unknown id 404; removing twice 409. Every change is written to
the audit log (block, unblock, protect, unprotect, watch, unwatch). The stores come
from `request.app.state.blocklist`, a BlockListContext.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mozdef.alerts.store import format_time
from mozdef.auth import audit, requires
from mozdef.auth.policy import Endpoint
from mozdef.blocklist.context import BlockListContext
from mozdef.blocklist.export import MEDIA_TYPE, export_text
from mozdef.blocklist.listing import Page, parse_listing
from mozdef.blocklist.model import BlockListEntry
from mozdef.blocklist.protected import ProtectedRange
from mozdef.blocklist.values import Kind
from mozdef.blocklist.watchlist import WatchEntry
from mozdef.errors import AppDbError, ListEntryError, QueryError
from mozdef.web.api_context import actor_of, body_object
from mozdef.web.responses import JSONResponse, error, unavailable
from mozdef.web.suppressions_api import expiry

BASE = "/api/v1/blocklist"
WATCH = "/api/v1/watchlist"
# Problems of a change that the current state of the lists forbids.
_CONFLICTS = frozenset({"overlap", "exists", "removed"})


def context_of(request: Request) -> BlockListContext:
    found: BlockListContext = request.app.state.blocklist
    return found


def guarded(endpoint: Endpoint) -> Endpoint:
    """`endpoint`, answering a refused change, bad input or a database failure."""

    @functools.wraps(endpoint)
    async def run(request: Request) -> Response:
        try:
            return await endpoint(request)
        except ListEntryError as exc:
            return failure(exc)
        except QueryError as exc:
            return error(400, "bad_request", str(exc), field="body")
        except AppDbError as exc:
            return unavailable(str(exc))

    return run


def failure(exc: ListEntryError) -> JSONResponse:
    if exc.problem == "not_found":
        return error(404, "not_found", str(exc))
    if exc.problem == "protected":
        named = exc.protected_range
        return error(409, "protected", str(exc), field=exc.field, protected_range=named)
    if exc.problem in _CONFLICTS:
        return error(409, "conflict", str(exc), field=exc.field)
    return error(400, "bad_request", str(exc), field=exc.field)


async def _body(
    request: Request, *, required: tuple[str, ...], optional: tuple[str, ...]
) -> dict[str, Any]:
    body = await body_object(request)
    known = (*required, *optional)
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise ListEntryError(unknown[0], None, f"unknown field; known: {', '.join(known)}")
    for name in required:
        if body.get(name) is None:
            raise ListEntryError(name, None, "required")
    return body


def _expires(body: dict[str, Any], now: dt.datetime) -> dt.datetime | None:
    try:
        return expiry(body.get("expires"), now=now)
    except QueryError as exc:
        raise ListEntryError("expires", body.get("expires"), str(exc)) from None


def _time(moment: dt.datetime | None) -> str | None:
    return None if moment is None else format_time(moment)


def _lifecycle(entry: BlockListEntry | WatchEntry, now: dt.datetime) -> dict[str, Any]:
    return {
        "reason": entry.reason,
        "created_by": entry.created_by,
        "created": format_time(entry.created),
        "expires": _time(entry.expires),
        "state": entry.state(now),
        "updated": _time(entry.updated),
        "updated_by": entry.updated_by,
        "update_reason": entry.update_reason,
        "removed": _time(entry.removed),
        "removed_by": entry.removed_by,
    }


def block_document(entry: BlockListEntry, now: dt.datetime) -> dict[str, Any]:
    return {"id": entry.id, "kind": entry.kind, "value": entry.value, **_lifecycle(entry, now)}


def watch_document(entry: WatchEntry, now: dt.datetime) -> dict[str, Any]:
    return {"id": entry.id, "term": entry.term, "field": entry.field, **_lifecycle(entry, now)}


def protected_document(found: ProtectedRange) -> dict[str, Any]:
    return {
        "id": found.id,
        "network": found.text,
        "reason": found.reason,
        "source": found.source,
        "created_by": found.created_by,
        "created": _time(found.created),
    }


def _page(page: Page[Any], documents: list[dict[str, Any]], key: str) -> JSONResponse:
    body = {key: documents, "total": page.total, "limit": page.limit, "offset": page.offset}
    return JSONResponse(body)


@requires("viewer")
@guarded
async def list_blocks(request: Request) -> Response:
    listing = parse_listing(dict(request.query_params))
    page = await run_in_threadpool(context_of(request).blocks.page, listing)
    now = dt.datetime.now(dt.UTC)
    return _page(page, [block_document(entry, now) for entry in page.items], "entries")


@requires("analyst")
@guarded
async def add_block(request: Request) -> Response:
    body = await _body(request, required=("value", "reason"), optional=("kind", "expires"))
    now = dt.datetime.now(dt.UTC)
    expires = _expires(body, now)
    blocks = context_of(request).blocks
    result = await run_in_threadpool(
        lambda: blocks.block(
            body["value"],
            reason=body["reason"],
            by=actor_of(request),
            expires=expires,
            kind=body.get("kind"),
        )
    )
    entry = result.entry
    details = {"id": entry.id, "kind": entry.kind, "outcome": result.outcome}
    await audit(request, "block", entry.value, {**details, "expires": _time(entry.expires)})
    document = {**block_document(entry, now), "outcome": result.outcome}
    return JSONResponse(document, 201 if result.outcome == "added" else 200)


@requires("viewer")
@guarded
async def get_block(request: Request) -> Response:
    entry_id = request.path_params["entry_id"]
    entry = await run_in_threadpool(context_of(request).blocks.get, entry_id)
    if entry is None:
        return error(404, "not_found", f"no block-list entry {entry_id!r}")
    return JSONResponse(block_document(entry, dt.datetime.now(dt.UTC)))


@requires("analyst")
@guarded
async def remove_block(request: Request) -> Response:
    blocks = context_of(request).blocks
    entry_id = request.path_params["entry_id"]
    entry = await run_in_threadpool(blocks.unblock, entry_id, by=actor_of(request))
    await audit(request, "unblock", entry.value, {"id": entry.id, "kind": entry.kind})
    return JSONResponse(block_document(entry, dt.datetime.now(dt.UTC)))


def _export(kind: Kind) -> Endpoint:
    @requires("viewer")
    @guarded
    async def export(request: Request) -> Response:
        entries = await run_in_threadpool(context_of(request).blocks.active, kind)
        answer = Response(export_text(entries), media_type=MEDIA_TYPE)
        answer.headers["Cache-Control"] = "no-store"
        return answer

    return export


@requires("viewer")
@guarded
async def list_protected(request: Request) -> Response:
    ranges = await run_in_threadpool(context_of(request).protected.all)
    return JSONResponse({"protected": [protected_document(found) for found in ranges]})


@requires("admin")
@guarded
async def add_protected(request: Request) -> Response:
    body = await _body(request, required=("network", "reason"), optional=())
    protected = context_of(request).protected
    made = await run_in_threadpool(
        lambda: protected.add(body["network"], reason=body["reason"], by=actor_of(request))
    )
    await audit(request, "protect", made.text, {"id": made.id, "reason": made.reason})
    return JSONResponse(protected_document(made), 201)


@requires("admin")
@guarded
async def remove_protected(request: Request) -> Response:
    protected = context_of(request).protected
    removed = await run_in_threadpool(protected.remove, request.path_params["range_id"])
    await audit(request, "unprotect", removed.text, {"id": removed.id, "reason": removed.reason})
    return Response(status_code=204)


@requires("viewer")
@guarded
async def list_watched(request: Request) -> Response:
    listing = parse_listing(dict(request.query_params), kinds=False)
    page = await run_in_threadpool(context_of(request).watches.page, listing)
    now = dt.datetime.now(dt.UTC)
    return _page(page, [watch_document(entry, now) for entry in page.items], "entries")


@requires("analyst")
@guarded
async def add_watched(request: Request) -> Response:
    body = await _body(request, required=("term", "reason"), optional=("field", "expires"))
    now = dt.datetime.now(dt.UTC)
    expires = _expires(body, now)
    watches = context_of(request).watches
    result = await run_in_threadpool(
        lambda: watches.watch(
            body["term"],
            reason=body["reason"],
            by=actor_of(request),
            field=body.get("field"),
            expires=expires,
        )
    )
    entry = result.entry
    details = {"id": entry.id, "field": entry.field, "outcome": result.outcome}
    await audit(request, "watch", entry.term, {**details, "expires": _time(entry.expires)})
    document = {**watch_document(entry, now), "outcome": result.outcome}
    return JSONResponse(document, 201 if result.outcome == "added" else 200)


@requires("viewer")
@guarded
async def get_watched(request: Request) -> Response:
    entry_id = request.path_params["entry_id"]
    entry = await run_in_threadpool(context_of(request).watches.get, entry_id)
    if entry is None:
        return error(404, "not_found", f"no watched term {entry_id!r}")
    return JSONResponse(watch_document(entry, dt.datetime.now(dt.UTC)))


@requires("analyst")
@guarded
async def remove_watched(request: Request) -> Response:
    watches = context_of(request).watches
    entry_id = request.path_params["entry_id"]
    entry = await run_in_threadpool(watches.unwatch, entry_id, by=actor_of(request))
    await audit(request, "unwatch", entry.term, {"id": entry.id, "field": entry.field})
    return JSONResponse(watch_document(entry, dt.datetime.now(dt.UTC)))


def routes() -> list[BaseRoute]:
    # The fixed paths come before `{entry_id}`, which would match them too.
    return [
        Route(BASE, list_blocks, methods=["GET"]),
        Route(BASE, add_block, methods=["POST"]),
        Route(f"{BASE}/ip.txt", _export("ip"), methods=["GET"]),
        Route(f"{BASE}/fqdn.txt", _export("fqdn"), methods=["GET"]),
        Route(f"{BASE}/protected", list_protected, methods=["GET"]),
        Route(f"{BASE}/protected", add_protected, methods=["POST"]),
        Route(f"{BASE}/protected/{{range_id}}", remove_protected, methods=["DELETE"]),
        Route(f"{BASE}/{{entry_id}}", get_block, methods=["GET"]),
        Route(f"{BASE}/{{entry_id}}", remove_block, methods=["DELETE"]),
        Route(WATCH, list_watched, methods=["GET"]),
        Route(WATCH, add_watched, methods=["POST"]),
        Route(f"{WATCH}/{{entry_id}}", get_watched, methods=["GET"]),
        Route(f"{WATCH}/{{entry_id}}", remove_watched, methods=["DELETE"]),
    ]
