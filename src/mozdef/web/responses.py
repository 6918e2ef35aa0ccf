"""JSON answers and error answers shared by every route."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route

from mozdef.errors import QueueFullError


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def error(status: int, kind: str, message: str, **context: Any) -> JSONResponse:
    return JSONResponse({"error": {"type": kind, "message": message, **context}}, status)


def busy(exc: QueueFullError) -> JSONResponse:
    seconds = str(max(1, round(exc.retry_after)))
    response = error(429, "queue_full", str(exc), stage=exc.stage)
    response.headers["Retry-After"] = seconds
    return response


def unavailable(reason: str, *, retry_after: int = 30) -> JSONResponse:
    response = error(503, "unavailable", reason)
    response.headers["Retry-After"] = str(retry_after)
    return response


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body over the limit intake.max_body_bytes={limit}")
        self.limit = limit


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing early (by Content-Length) or while streaming."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def answer_wrong_methods(app: Starlette) -> None:
    """Answer a method that no route of a path takes with a JSON 405 whose `Allow`
    lists the methods of every route of that path (the router alone names those of
    the first one it finds)."""

    async def not_allowed(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, HTTPException) or exc.status_code != 405:
            raise exc
        scope = {**request.scope, "method": "GET"}
        allowed = sorted(
            {
                method
                for route in app.router.routes
                if isinstance(route, Route) and route.methods
                for method in route.methods
                if route.matches(scope)[0] is not Match.NONE
            }
        )
        response = error(
            405,
            "method_not_allowed",
            f"{request.method} is not a method of {request.url.path}",
            allowed=allowed,
        )
        response.headers["Allow"] = ", ".join(allowed)
        return response

    app.add_exception_handler(405, not_allowed)
