"""`/api/v1/incidents`, `/api/v1/investigations` and `/api/v1/veris`: the case API.

For each kind of case (`incidents`, `investigations`):

    GET    /api/v1/{kind}                         a page: status, assignee, q (text in
                                                  the summary), limit, offset; incidents
                                                  also phase and veris (a group or value)
    POST   /api/v1/{kind}                         create from a JSON object of fields
    GET    /api/v1/{kind}/{id}                    the case, with `versions`
    PATCH  /api/v1/{kind}/{id}                    {"field": {"value": v, "version": n}, ...}
    POST   /api/v1/{kind}/{id}/{list}             add an item to a list field
    DELETE /api/v1/{kind}/{id}/{list}/{item_id}   remove it
    GET    /api/v1/{kind}/{id}/history            changes in order: after, limit
    POST   /api/v1/investigations/{id}/promote    make an incident of it (201)

A PATCH is applied whole or not at all: when a field's version moved on it answers
409 with `conflicts`, each field's current value and version, and saves nothing.
Bad input answers 400 naming the field, an unknown case or item 404.

    GET /api/v1/veris?q=brute&limit=20           values for a picker (the tree without q)
    GET /api/v1/veris/{path}/attack              ATT&CK techniques the mapping relates

The stores come from `request.app.state.incidents` (an IncidentsContext); the actor
of a change is the user an auth middleware put in `request.state.user`, else
`anonymous` (`actor_of`, shared with the other APIs).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mozdef.auth import audit
from mozdef.errors import AppDbError, CaseConflictError, CaseError
from mozdef.incidents import veris
from mozdef.incidents.context import IncidentsContext
from mozdef.incidents.incident_store import DEFAULT_PAGE, IncidentStore
from mozdef.incidents.investigation_store import InvestigationStore
from mozdef.incidents.model import FieldChange
from mozdef.incidents.store import MAX_HISTORY
from mozdef.web.api_context import actor_of
from mozdef.web.responses import BodyTooLarge, JSONResponse, error, read_body, unavailable

MAX_BODY = 4 * 1024 * 1024
INCIDENT_FILTERS = {
    "status": "status",
    "phase": "phase",
    "assignee": "assignee",
    "veris": "veris_prefix",
    "q": "text",
}
INVESTIGATION_FILTERS = {"status": "status", "assignee": "assignee", "q": "text"}

Store = IncidentStore | InvestigationStore
Endpoint = Callable[[Request], Awaitable[Response]]


class BadRequest(Exception):
    """A request this API cannot read: JSON that does not parse, a change without its
    version, a parameter that is not an integer."""

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.context = context


HANDLED = (CaseError, BadRequest, BodyTooLarge, AppDbError)


def context(request: Request) -> IncidentsContext:
    found: IncidentsContext = request.app.state.incidents
    return found


def guarded(endpoint: Endpoint) -> Endpoint:
    """`endpoint`, answering the errors of one request (bad input, unknown case,
    conflict, database down) with their status; anything else goes on up."""

    @functools.wraps(endpoint)
    async def run(request: Request) -> Response:
        try:
            return await endpoint(request)
        except HANDLED as exc:
            return failure(exc)

    return run


class CaseEndpoints:
    """The routes of one kind of case, over the store `store_of` picks."""

    def __init__(
        self,
        plural: str,
        kind: str,
        store_of: Callable[[IncidentsContext], Store],
        filters: dict[str, str],
    ) -> None:
        self.base = f"/api/v1/{plural}"
        # The audit log's name of the kind: `incident.create`, `investigation.edit`...
        self.kind = kind
        self._store_of = store_of
        self._filters = filters

    def routes(self) -> list[BaseRoute]:
        one = self.base + "/{case_id}"
        return [
            Route(self.base, guarded(self.list), methods=["GET"]),
            Route(self.base, guarded(self.create), methods=["POST"]),
            Route(one, guarded(self.get), methods=["GET"]),
            Route(one, guarded(self.patch), methods=["PATCH"]),
            Route(one + "/history", guarded(self.history), methods=["GET"]),
            Route(one + "/{field}", guarded(self.append), methods=["POST"]),
            Route(one + "/{field}/{item_id}", guarded(self.remove), methods=["DELETE"]),
        ]

    def store(self, request: Request) -> Store:
        return self._store_of(context(request))

    async def list(self, request: Request) -> Response:
        params = request.query_params
        given = {name: params[key] for key, name in self._filters.items() if params.get(key)}
        limit = _integer(params, "limit", DEFAULT_PAGE)
        offset = _integer(params, "offset", 0)
        store = self.store(request)
        page = await run_in_threadpool(store.list, **given, limit=limit, offset=offset)
        return JSONResponse(page.to_json())

    async def create(self, request: Request) -> Response:
        body = await json_body(request)
        case = await run_in_threadpool(self.store(request).create, body, by=actor_of(request))
        await audit(request, f"{self.kind}.create", case.id, {"summary": case.summary})
        response = JSONResponse(case.to_json(), 201)
        response.headers["Location"] = f"{self.base}/{case.id}"
        return response

    async def get(self, request: Request) -> Response:
        case = await run_in_threadpool(self.store(request).get, request.path_params["case_id"])
        return JSONResponse(case.to_json())

    async def patch(self, request: Request) -> Response:
        changes = field_changes(await json_body(request))
        case_id = request.path_params["case_id"]
        store = self.store(request)
        case = await run_in_threadpool(store.update, case_id, changes, by=actor_of(request))
        await audit(request, f"{self.kind}.edit", case_id, {"fields": sorted(changes)})
        return JSONResponse(case.to_json())

    async def append(self, request: Request) -> Response:
        body = await json_body(request)
        case_id, field = request.path_params["case_id"], request.path_params["field"]
        store = self.store(request)
        change = await run_in_threadpool(store.append, case_id, field, body, by=actor_of(request))
        if change.changed:
            details = {"field": field, "item": change.item.id}
            await audit(request, f"{self.kind}.add", case_id, details)
        return JSONResponse(change.to_json(), 201 if change.changed else 200)

    async def remove(self, request: Request) -> Response:
        params = request.path_params
        store = self.store(request)
        change = await run_in_threadpool(
            store.remove,
            params["case_id"],
            params["field"],
            params["item_id"],
            by=actor_of(request),
        )
        details = {"field": params["field"], "item": params["item_id"]}
        await audit(request, f"{self.kind}.remove", params["case_id"], details)
        return JSONResponse(change.to_json())

    async def history(self, request: Request) -> Response:
        after = _integer(request.query_params, "after", 0)
        limit = _integer(request.query_params, "limit", MAX_HISTORY)
        store = self.store(request)
        found = await run_in_threadpool(
            store.history, request.path_params["case_id"], after=after, limit=limit
        )
        return JSONResponse({"history": [entry.to_json() for entry in found]})


@guarded
async def promote(request: Request) -> Response:
    found = context(request)
    case_id = request.path_params["case_id"]
    incident = await run_in_threadpool(
        found.investigations.promote, case_id, into=found.incidents, by=actor_of(request)
    )
    await audit(request, "investigation.promote", case_id, {"incident": incident.id})
    response = JSONResponse(incident.to_json(), 201)
    response.headers["Location"] = f"/api/v1/incidents/{incident.id}"
    return response


@guarded
async def veris_search(request: Request) -> Response:
    text = request.query_params.get("q")
    limit = _integer(request.query_params, "limit", veris.SEARCH_LIMIT)
    if text is None:
        return JSONResponse({"tree": _node_tree(veris.taxonomy())})
    found = veris.search(text, limit=limit)
    return JSONResponse({"results": [_node(node) for node in found]})


async def veris_attack(request: Request) -> Response:
    path = request.path_params["path"]
    found = veris.node(path)
    if found is None:
        return error(404, "not_found", f"no VERIS group or value {path!r}", path=path)
    veris_version, attack_version = veris.versions()
    techniques = [{"id": t.id, "name": t.name} for t in veris.attack_for(found.path)]
    return JSONResponse(
        {
            "path": found.path,
            "veris_version": veris_version,
            "attack_version": attack_version,
            "techniques": techniques,
        }
    )


def failure(exc: CaseError | BadRequest | BodyTooLarge | AppDbError) -> Response:
    if isinstance(exc, CaseConflictError):
        conflicts = {
            name: {"value": value, "version": version}
            for name, (value, version) in exc.current.items()
        }
        return error(409, "conflict", str(exc), id=exc.case_id, conflicts=conflicts)
    if isinstance(exc, CaseError):
        status = {"not_found": 404, "state": 409}.get(exc.problem, 400)
        return error(status, exc.problem, str(exc), id=exc.case_id, field=exc.field or None)
    if isinstance(exc, BadRequest):
        return error(400, "bad_request", str(exc), **exc.context)
    if isinstance(exc, BodyTooLarge):
        return error(413, "too_large", f"request body over {MAX_BODY} bytes")
    return unavailable(exc.reason)


async def json_body(request: Request) -> Any:
    raw = await read_body(request, MAX_BODY)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"invalid JSON body: {exc.msg} at char {exc.pos}") from None


def field_changes(body: Any) -> dict[str, FieldChange]:
    """The changes of a PATCH body: {"field": {"value": v, "version": n}, ...}."""
    if not isinstance(body, dict) or not body:
        raise BadRequest('expected an object such as {"summary": {"value": "...", "version": 1}}')
    changes: dict[str, FieldChange] = {}
    for name, change in body.items():
        version = change.get("version") if isinstance(change, dict) else None
        if not isinstance(change, dict) or "value" not in change:
            raise BadRequest(f"{name}: expected an object with value and version", field=name)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise BadRequest(f"{name}: version must be a positive integer", field=name)
        changes[name] = FieldChange(change["value"], version)
    return changes


# Larger integers are refused, not handed to the database (whose integers end at 2**63).
MAX_INTEGER = 2**62


def _integer(params: Mapping[str, str], key: str, default: int) -> int:
    raw = params.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{key} must be an integer, found {raw!r}", field=key) from None
    if not 0 <= value <= MAX_INTEGER:
        raise BadRequest(f"{key} must be between 0 and {MAX_INTEGER}, found {raw!r}", field=key)
    return value


def _node(node: veris.VerisNode) -> dict[str, Any]:
    return {"path": node.path, "label": node.label, "description": node.description}


def _node_tree(node: veris.VerisNode) -> dict[str, Any]:
    shown = _node(node) | {"value": node.is_value}
    if node.children:
        shown["children"] = [_node_tree(child) for child in node.children]
    return shown


def routes() -> list[BaseRoute]:
    incidents = CaseEndpoints(
        "incidents", "incident", lambda found: found.incidents, INCIDENT_FILTERS
    )
    investigations = CaseEndpoints(
        "investigations", "investigation", lambda found: found.investigations, INVESTIGATION_FILTERS
    )
    return [
        # Before the list-field routes, whose `{field}` would take `promote`.
        Route("/api/v1/investigations/{case_id}/promote", promote, methods=["POST"]),
        *incidents.routes(),
        *investigations.routes(),
        Route("/api/v1/veris", veris_search, methods=["GET"]),
        Route("/api/v1/veris/{path:path}/attack", veris_attack, methods=["GET"]),
    ]
