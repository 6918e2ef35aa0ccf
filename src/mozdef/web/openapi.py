"""The OpenAPI 3.1 description of the REST API, served at `GET /api/v1/openapi.json`.

What the document lists comes from the app itself, so that the two cannot part:
- the paths and methods, from the routes the app mounts (a process without an event
  store lists no search; the web pages and static files are left out, they are no
  API);
- the least role of each operation (`x-mozdef-role`) and its security, as the auth
  middleware decides them: the need the endpoint declares with `requires`, or else
  the app's policy; the intake's need is `open`, or `viewer` with
  `auth.intake_tokens`;
- the enumerations and the case schemas, from the code that checks those values
  (mozdef.web.openapi_spec.derived).

The words (summaries, parameters, bodies, answers, shared schemas) are YAML files in
openapi_spec/, each operation under its "METHOD /path" key (see
mozdef.web.openapi_spec.files). A mounted route that no file describes is still
listed, with a summary saying so, and logged as `openapi.undescribed`.

Known limits: OpenAPI has no WebSocket, so the live socket is listed as the GET of
its handshake, marked `x-mozdef-websocket`; a `{name:path}` parameter may hold
slashes, which an OpenAPI path template cannot say, so its description says it.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

from mozdef import __version__
from mozdef.auth.middleware import CSRF_HEADER
from mozdef.auth.policy import DEFAULT_POLICY, SAFE_METHODS, Need, Policy, declared_need, requires
from mozdef.auth.sessions import COOKIE
from mozdef.config.settings import AuthSettings
from mozdef.logfmt import fields
from mozdef.web.openapi_spec import METHODS, DescriptionError, derived_schemas, load_spec

log = logging.getLogger(__name__)

PATH = "/api/v1/openapi.json"
# The web pages and static files: for browsers, not part of the API.
UI_MODULE = "mozdef.web.ui"
_PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")
_COMPONENTS = "openapi_spec/components.yaml"


@dataclass(frozen=True)
class Operation:
    """One method of one mounted route, with the need the auth middleware applies."""

    method: str
    path: str
    need: Need
    websocket: bool = False

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def openapi_document(app: Starlette) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the routes `app` mounts."""
    spec = load_spec()
    paths: dict[str, dict[str, Any]] = {}
    for operation in mounted_operations(app):
        paths.setdefault(operation.path, {})[operation.method.lower()] = _described(
            operation, spec.operations
        )
    components = copy.deepcopy(spec.base["components"])
    components["schemas"] = _merged(components["schemas"], derived_schemas())
    components["securitySchemes"] = security_schemes()
    return {
        "openapi": "3.1.0",
        "info": {**copy.deepcopy(spec.base["info"]), "version": __version__},
        "tags": copy.deepcopy(spec.base["tags"]),
        "paths": paths,
        "components": components,
    }


@requires("open")
async def get_openapi(request: Request) -> Response:
    """The document, built on the first request and kept for the app's life."""
    state = request.app.state
    body: bytes | None = getattr(state, "openapi_json", None)
    if body is None:
        document = await run_in_threadpool(openapi_document, request.app)
        body = orjson.dumps(document)
        state.openapi_json = body
    return Response(body, media_type="application/json")


def routes() -> list[BaseRoute]:
    return [Route(PATH, get_openapi, methods=["GET"])]


def mounted_operations(app: Starlette) -> list[Operation]:
    """Every method of every API route `app` mounts, in the router's order."""
    auth = getattr(app.state, "auth", None)
    policy: Policy = auth.policy if auth is not None else DEFAULT_POLICY
    intake_tokens = (auth.settings if auth is not None else AuthSettings()).intake_tokens
    found: list[Operation] = []
    for route, path in _leaves(app.router.routes, ""):
        endpoint = getattr(route, "endpoint", None)
        if getattr(endpoint, "__module__", None) == UI_MODULE:
            continue
        template = _PARAMETER.sub(r"{\1}", path)
        websocket = isinstance(route, WebSocketRoute)
        for method in ["GET"] if websocket else _methods(route):
            need = declared_need(endpoint) or policy.need(method, template)
            if need == "intake":
                need = "viewer" if intake_tokens else "open"
            found.append(Operation(method, template, need, websocket))
    return found


def _leaves(routes: Iterable[BaseRoute], prefix: str) -> Iterator[tuple[BaseRoute, str]]:
    for route in routes:
        if isinstance(route, Mount):
            yield from _leaves(route.routes, prefix + route.path)
        elif isinstance(route, Route | WebSocketRoute):
            yield route, prefix + route.path


def _methods(route: BaseRoute) -> list[str]:
    """The route's methods, less the HEAD that Starlette adds to every GET."""
    declared = set(getattr(route, "methods", None) or ())
    if "GET" in declared:
        declared.discard("HEAD")
    return [method for method in METHODS if method in declared]


def _described(operation: Operation, described: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    entry = described.get(operation.key)
    if entry is None:
        log.warning("openapi.undescribed", extra=fields(operation=operation.key))
        answers = {"default": {"description": "Not described."}}
        entry = {"summary": "(not described)", "responses": answers}
    body = _expanded(copy.deepcopy(entry))
    body.setdefault("operationId", _operation_id(operation))
    body["parameters"] = _with_path_parameters(operation.path, body.get("parameters", []))
    if not body["parameters"]:
        del body["parameters"]
    body["security"] = _security(operation)
    body["x-mozdef-role"] = operation.need
    if operation.need != "open":
        body["responses"].setdefault("401", {"$ref": "#/components/responses/Unauthenticated"})
        body["responses"].setdefault("403", {"$ref": "#/components/responses/Forbidden"})
    return body


def _expanded(operation: dict[str, Any]) -> dict[str, Any]:
    """`operation` with each `json: <schema>` shorthand written out."""
    if "requestBody" in operation:
        operation["requestBody"] = _json_content(operation["requestBody"])
    answers = operation.get("responses", {})
    operation["responses"] = {code: _json_content(answer) for code, answer in answers.items()}
    return operation


def _json_content(part: dict[str, Any]) -> dict[str, Any]:
    if "json" not in part:
        return part
    rest = {key: value for key, value in part.items() if key != "json"}
    return {**rest, "content": {"application/json": {"schema": part["json"]}}}


def _operation_id(operation: Operation) -> str:
    return operation.method.lower() + re.sub(r"\W", "_", operation.path.replace("{", ""))


def _with_path_parameters(path: str, parameters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The template's parameters first, as described or else as strings, then the others."""
    given = {p["name"]: p for p in parameters if p.get("in") == "path"}
    in_path = [
        {
            **given.get(name, {"name": name, "in": "path", "schema": {"type": "string"}}),
            "required": True,
        }
        for name in _PARAMETER.findall(path)
    ]
    return in_path + [p for p in parameters if p.get("in") != "path"]


def _security(operation: Operation) -> list[dict[str, list[str]]]:
    """Who may call: anyone, or a user by token or session cookie; a change made with
    the cookie also needs the CSRF header (a WebSocket handshake is no change)."""
    if operation.need == "open":
        return []
    cookie: dict[str, list[str]] = {"sessionCookie": []}
    if operation.method not in SAFE_METHODS and not operation.websocket:
        cookie["csrfToken"] = []
    return [{"bearerToken": []}, cookie]


def security_schemes() -> dict[str, Any]:
    return {
        "bearerToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token, made with POST /api/v1/tokens or `mozdef users token`.",
        },
        "sessionCookie": {
            "type": "apiKey",
            "in": "cookie",
            "name": COOKIE,
            "description": "The session cookie POST /api/v1/auth/login sets.",
        },
        "csrfToken": {
            "type": "apiKey",
            "in": "header",
            "name": CSRF_HEADER,
            "description": "The session's csrf_token, from login or GET /api/v1/auth/me.",
        },
    }


def _merged(written: dict[str, Any], derived: dict[str, Any]) -> dict[str, Any]:
    twice = sorted(set(written) & set(derived))
    if twice:
        raise DescriptionError(_COMPONENTS, twice[0], "derived from the code: remove it")
    return {**written, **derived}
