"""HTTP intake, compatible with MozDef's loginput and Elasticsearch's bulk API.

Every route reads the body within the size limit, splits it into events, hands
the good ones to the intake (which makes them durable) and answers 2xx only
after that; each bad event is reported with its position and reason.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from mozdef.config.settings import IntakeSettings
from mozdef.errors import IntakeError, QueueFullError, QueueUnavailableError
from mozdef.intake.body import Accepted, Item, Rejection, check_event, split_body
from mozdef.intake.bulk import BulkItem, bulk_answer, parse_bulk
from mozdef.intake.cef import parse_cef
from mozdef.intake.service import Intake, Submission, Submitted
from mozdef.nodes import Node
from mozdef.queue.base import RecordKind
from mozdef.web.responses import (
    BodyTooLarge,
    JSONResponse,
    busy,
    error,
    read_body,
    unavailable,
)

# How often a request held by a full queue tries again: the queue makes room when
# the worker commits, about once per store.commit_interval.
_FULL_RETRY_SECONDS = 0.05
_APPLICATION = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_RESERVED_APPLICATIONS = ("events", "alerts", "deadletter")


def _system(request: Request) -> Node:
    node: Node = request.app.state.system
    return node


def _intake(node: Node) -> Intake:
    intake = node.intake
    assert intake is not None, "the intake routes are mounted only where there is an intake"
    return intake


async def _guarded_body(request: Request) -> bytes | Response:
    system = _system(request)
    health = system.health()
    if not health.accepting:
        _intake(system).count_refusal("unavailable")
        return unavailable(health.reason)
    try:
        return await read_body(request, system.settings.intake.max_body_bytes)
    except BodyTooLarge as exc:
        _intake(system).count_refusal("body_too_large")
        return error(413, "body_too_large", str(exc), limit=exc.limit)


def _wants_refresh(request: Request) -> bool:
    value = request.query_params.get("refresh")
    return value is not None and value.lower() in ("", "true", "wait_for")


async def _submit(
    request: Request,
    submissions: Sequence[Submission],
    *,
    kind: RecordKind = "event",
    application: str | None = None,
) -> Submitted | Response:
    """Durably accept `submissions`, then wait for searchability if asked."""
    system = _system(request)
    try:
        done = await _submit_when_room(system, submissions, kind=kind, application=application)
    except QueueFullError as exc:
        _intake(system).count_refusal("queue_full", len(submissions))
        return busy(exc)
    except QueueUnavailableError as exc:
        _intake(system).count_refusal("queue_unavailable", len(submissions))
        return unavailable(str(exc), retry_after=1)
    except IntakeError as exc:
        _intake(system).count_refusal(exc.reason, len(submissions))
        return unavailable(str(exc))
    if _wants_refresh(request) and done.ids:
        timeout = system.settings.intake.refresh_timeout
        await run_in_threadpool(
            system.wait_searchable, done.position, timeout=timeout, ids=done.ids
        )
    return done


async def _submit_when_room(
    system: Node,
    submissions: Sequence[Submission],
    *,
    kind: RecordKind,
    application: str | None,
) -> Submitted:
    """Submit, holding the request while the queue is full for up to
    intake.full_wait seconds. A sender held a moment keeps sending as fast as the
    worker indexes; one answered 429 at once waits out Retry-After (whole seconds)
    while the worker may have room again after its next commit. The request waits
    on the event loop, not on a thread, so that held senders take no thread."""
    deadline = time.monotonic() + system.settings.intake.full_wait
    intake = _intake(system)
    records = await run_in_threadpool(
        intake.prepare, submissions, kind=kind, application=application
    )
    while True:
        try:
            return await run_in_threadpool(intake.publish, records)
        except QueueFullError:
            if time.monotonic() + _FULL_RETRY_SECONDS > deadline:
                raise
        await asyncio.sleep(_FULL_RETRY_SECONDS)


def _events_answer(items: Sequence[Item], done: Submitted) -> JSONResponse:
    rejections = [item for item in items if isinstance(item, Rejection)]
    body: dict[str, Any] = {
        "accepted": len(done.ids),
        "rejected": len(rejections),
        "ids": done.ids,
        "errors": [
            {"position": r.position, "reason": r.reason, "message": r.message} for r in rejections
        ],
    }
    status = 400 if rejections and not done.ids else 200
    return JSONResponse(body, status)


async def _accept(
    request: Request, items: list[Item], *, kind: RecordKind = "event", app: str | None = None
) -> Response:
    system = _system(request)
    _intake(system).count_rejections([i for i in items if isinstance(i, Rejection)])
    accepted = [Submission(item) for item in items if isinstance(item, Accepted)]
    done = await _submit(request, accepted, kind=kind, application=app)
    if isinstance(done, Response):
        return done
    return _events_answer(items, done)


async def post_events(request: Request) -> Response:
    body = await _guarded_body(request)
    if isinstance(body, Response):
        return body
    limits = _system(request).settings.intake
    items = await run_in_threadpool(split_body, body, limits)
    return await _accept(request, items)


async def post_custom(request: Request) -> Response:
    application = request.path_params["application"]
    if not _APPLICATION.match(application) or application in _RESERVED_APPLICATIONS:
        message = "application names are 1-64 of a-z 0-9 _ - and not events, alerts, deadletter"
        return error(400, "invalid_application", message, application=application)
    body = await _guarded_body(request)
    if isinstance(body, Response):
        return body
    items = await run_in_threadpool(split_body, body, _system(request).settings.intake)
    return await _accept(request, items, kind="custom", app=application)


async def post_cef(request: Request) -> Response:
    body = await _guarded_body(request)
    if isinstance(body, Response):
        return body
    limits = _system(request).settings.intake
    lines = [line for line in body.decode("utf-8", "replace").splitlines() if line.strip()]
    items = [_cef_item(position, line, limits) for position, line in enumerate(lines)]
    return await _accept(request, items)


def _cef_item(position: int, line: str, limits: IntakeSettings) -> Item:
    try:
        return check_event(position, parse_cef(line), None, limits)
    except IntakeError as exc:
        return Rejection(position, exc.reason, str(exc))


async def post_bulk(request: Request) -> Response:
    started = time.monotonic()
    body = await _guarded_body(request)
    if isinstance(body, Response):
        return body
    items = await run_in_threadpool(parse_bulk, body, _system(request).settings.intake)
    _intake(_system(request)).count_rejections(
        [b.item for b in items if isinstance(b.item, Rejection)]
    )
    good = [b for b in items if isinstance(b.item, Accepted)]
    submissions = [Submission(b.item, client_id=b.doc_id) for b in good]  # type: ignore[arg-type]
    done = await _submit(request, submissions)
    if isinstance(done, Response):
        return done
    stored = dict(zip((id(b) for b in good), done.ids, strict=True))
    results: list[tuple[BulkItem, str | None]] = [(b, stored.get(id(b))) for b in items]
    return JSONResponse(bulk_answer(results, int((time.monotonic() - started) * 1000)))


async def get_test(request: Request) -> Response:
    return PlainTextResponse("")


def routes() -> list[BaseRoute]:
    return [
        Route("/events", post_events, methods=["POST"]),
        Route("/events/", post_events, methods=["POST"]),
        Route("/nxlog", post_events, methods=["POST"]),
        Route("/nxlog/", post_events, methods=["POST"]),
        Route("/_bulk", post_bulk, methods=["POST", "PUT"]),
        Route("/{index}/_bulk", post_bulk, methods=["POST", "PUT"]),
        Route("/cef", post_cef, methods=["POST"]),
        Route("/custom/{application}", post_custom, methods=["POST"]),
        Route("/test", get_test, methods=["GET", "POST"]),
    ]
