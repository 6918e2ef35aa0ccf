"""The live feed: bus messages pushed to browsers over a WebSocket, or as server-sent
events where a WebSocket cannot pass.

WebSocket `/api/v1/live`, for any user: the auth middleware closes a socket without
one (code 1008) before it is accepted. Every frame is a JSON object:
- on connecting the server sends `{"hello": {"user", "connection", "topics"}}`,
  `topics` being those one may follow (mozdef.bus.topics);
- `{"subscribe": [topics]}` sets the topics followed (an empty list: none). It is
  answered `{"subscribed": [...]}` and, when `presence` is among them,
  `{"present": [...]}`: the presences live now;
- `{"presence": {"incident": id | null, "editing": field | null}}` says where the
  user is (mozdef.bus.presence); the browser sends it again at least every 30
  seconds while it holds. `editing` needs the analyst role;
- the server sends `{"topic", "payload", "seq"}` for each bus message on a topic
  followed;
- a client frame it cannot take is answered `{"error": {"type", "message"}}`, and
  the socket stays open.
A client that reads slower than messages come does not hold up the others: once
`queue_size` messages wait for it, the oldest is dropped, and before the next one
it is told `{"dropped": n}`, after which it should reload what it shows
(mozdef.bus.feed). The socket's credential is checked again every
`RECHECK_SECONDS`: once it ended (logout, revoked token, disabled user) the server
sends `{"error": {"type": "session_ended", ...}}` and closes with 1008.

`GET /api/v1/live/events?topics=alert.created,presence` gives the same messages as
server-sent events (all topics when none is named): `id:` the seq, `event:` the
topic, `data:` the payload; `event: present` and `event: dropped` as above; a
comment line every `KEEPALIVE_SECONDS` so that proxies keep the stream open; once
the credential ended, `event: session_ended` and the end of the stream. It does
not replay what a client missed while disconnected (`Last-Event-ID` is ignored).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable

import anyio
import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request, cookie_parser
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from mozdef.alerts.bus import Unsubscribe
from mozdef.auth.context import Auth
from mozdef.auth.policy import requires
from mozdef.auth.roles import Caller
from mozdef.auth.sessions import COOKIE
from mozdef.bus.feed import Feed, Frame
from mozdef.bus.message import Message, MessageBus
from mozdef.bus.presence import MAX_NAME, PRESENCE_SECONDS, Presence, PresenceBoard
from mozdef.bus.topics import PRESENCE, TOPICS
from mozdef.errors import AppDbError
from mozdef.logfmt import fields
from mozdef.web.responses import error

log = logging.getLogger(__name__)

PATH = "/api/v1/live"
QUEUE_SIZE = 256
KEEPALIVE_SECONDS = 15.0
# The largest frame a client may send; its frames are a few hundred bytes.
MAX_FRAME = 16 * 1024
# A presence the same as the last one of its connection is published again only
# after this long: a chatty page does not flood the bus.
SAME_PRESENCE_SECONDS = 5.0
# How often an open socket's credential is checked again (see `_Session._recheck`).
RECHECK_SECONDS = 60.0

Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class LiveHub:
    """What the live routes of one web app share: the bus, the presence board and
    the counts (connections, dropped). `start` before serving, `stop` after."""

    def __init__(
        self,
        bus: MessageBus,
        *,
        queue_size: int = QUEUE_SIZE,
        presence_seconds: float = PRESENCE_SECONDS,
        recheck_seconds: float = RECHECK_SECONDS,
        clock: Clock = _utc_now,
    ) -> None:
        self.bus = bus
        self.board = PresenceBoard(clock=clock)
        self.queue_size = queue_size
        self.presence_seconds = presence_seconds
        self.recheck_seconds = recheck_seconds
        self.clock = clock
        self.counts: Counter[str] = Counter()
        self._unsubscribe: Unsubscribe | None = None

    def start(self) -> None:
        self._unsubscribe = self.bus.listen(self.board.record, topics=[PRESENCE])

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def present(self) -> Frame:
        return {"present": [p.payload() for p in self.board.current()]}


def routes() -> list[BaseRoute]:
    """The live routes; they find their LiveHub in `app.state.live`."""
    return [
        WebSocketRoute(PATH, live_socket),
        Route(PATH + "/events", live_events, methods=["GET"]),
    ]


def hub_of(app: Starlette) -> LiveHub:
    hub: LiveHub = app.state.live
    return hub


class _Refused(ValueError):
    """A client frame that cannot be taken; becomes an `error` frame, never leaves here."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    def frame(self) -> Frame:
        return {"error": {"type": self.kind, "message": self.message}}


async def live_socket(socket: WebSocket) -> None:
    caller: Caller | None = getattr(socket.state, "user", None)
    if caller is None:
        # Reached only without the auth middleware, which refuses such a socket first.
        await socket.close(code=1008)
        return
    await socket.accept()
    await _Session(hub_of(socket.app), socket, caller).run()


class _Session:
    """One browser's socket: the topics it follows and where its user is."""

    def __init__(self, hub: LiveHub, socket: WebSocket, caller: Caller) -> None:
        self.hub = hub
        self.socket = socket
        self.caller = caller
        self.id = uuid.uuid4().hex[:16]
        self.feed = Feed(size=hub.queue_size)
        self._where: tuple[str | None, str | None] = (None, None)
        self._where_at = 0.0
        self._sent = 0
        self._ended = False

    async def run(self) -> None:
        self.hub.counts["connections"] += 1
        hello = {"user": self.caller.name, "connection": self.id, "topics": list(TOPICS)}
        self.feed.reply({"hello": hello})
        unsubscribe = self.hub.bus.listen(self.feed.offer)
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(self._send_all, group.cancel_scope)
                group.start_soon(self._recheck, group.cancel_scope)
                await self._receive_all()
                group.cancel_scope.cancel()
            if self._ended:
                await self._close_ended()
        finally:
            unsubscribe()
            self._leave()
            self.hub.counts["dropped"] += self.feed.dropped
            closed = fields(
                user=self.caller.name,
                connection=self.id,
                sent=self._sent,
                dropped=self.feed.dropped,
            )
            log.info("live.closed", extra=closed)

    async def _send_all(self, scope: anyio.CancelScope) -> None:
        try:
            while True:
                item = await self.feed.next()
                frame = item.json_ready() if isinstance(item, Message) else item
                await self.socket.send_text(orjson.dumps(frame).decode())
                self._sent += 1
        except (WebSocketDisconnect, OSError, RuntimeError):
            # The client went away mid-send; the receiving side ends the session.
            scope.cancel()

    async def _recheck(self, scope: anyio.CancelScope) -> None:
        """The middleware looked at the credential when the socket opened; a socket
        may stay open for days, so it is looked at again every `recheck_seconds`.
        Once it no longer holds (logged out, revoked, expired, user disabled) the
        socket is closed with 1008; a changed role applies from then on. While the
        database cannot say, the socket stays as it is."""
        auth: Auth | None = getattr(self.socket.app.state, "auth", None)
        if auth is None:
            return
        while True:
            await anyio.sleep(self.hub.recheck_seconds)
            try:
                current = await run_in_threadpool(_current_caller, auth, self.socket.headers)
            except AppDbError as exc:
                log.warning("live.recheck_failed", extra=fields(connection=self.id, error=exc))
                continue
            if current is None:
                self._ended = True
                scope.cancel()
                return
            self.caller = current

    async def _close_ended(self) -> None:
        message = "the session or token ended: log in again and reconnect"
        with contextlib.suppress(WebSocketDisconnect, OSError, RuntimeError):
            await self.socket.send_text(
                orjson.dumps({"error": {"type": "session_ended", "message": message}}).decode()
            )
            await self.socket.close(code=1008)

    async def _receive_all(self) -> None:
        while True:
            received = await self.socket.receive()
            if received["type"] == "websocket.disconnect":
                return
            text = received.get("text")
            if text is None:
                text = (received.get("bytes") or b"").decode(errors="replace")
            try:
                self._take(text)
            except _Refused as refused:
                self.feed.reply(refused.frame())

    def _take(self, text: str) -> None:
        if len(text) > MAX_FRAME:
            raise _Refused("too_large", f"a frame may have {MAX_FRAME} bytes, found {len(text)}")
        try:
            body = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise _Refused("invalid_json", f"expected a JSON object: {exc}") from exc
        if not isinstance(body, dict) or not body.keys() & {"subscribe", "presence"}:
            found = sorted(body) if isinstance(body, dict) else type(body).__name__
            expected = 'expected {"subscribe": [topics]} or {"presence": {...}}'
            raise _Refused("invalid", f"{expected}, found {found}")
        if "subscribe" in body:
            self._subscribe(body["subscribe"])
        if "presence" in body:
            self._presence(body["presence"])

    def _subscribe(self, value: object) -> None:
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise _Refused("invalid", f"subscribe: expected a list of topics, found {value!r}")
        unknown = sorted(set(value) - set(TOPICS))
        if unknown:
            known = ", ".join(TOPICS)
            raise _Refused("invalid", f"subscribe: unknown topics {unknown}; known: {known}")
        before, self.feed.topics = self.feed.topics, frozenset(value)
        self.feed.reply({"subscribed": sorted(self.feed.topics)})
        if PRESENCE in self.feed.topics and PRESENCE not in before:
            self.feed.reply(self.hub.present())

    def _presence(self, value: object) -> None:
        where = _where(value)
        if where[1] is not None and not self.caller.has("analyst"):
            raise _Refused("forbidden", "presence: editing needs the analyst role")
        now = time.monotonic()
        if where == self._where and now - self._where_at < SAME_PRESENCE_SECONDS:
            return
        self._where, self._where_at = where, now
        self._publish(*where)

    def _leave(self) -> None:
        if self._where[0] is not None:
            self._publish(None, None)

    def _publish(self, incident: str | None, editing: str | None) -> None:
        expires = self.hub.clock() + dt.timedelta(seconds=self.hub.presence_seconds)
        presence = Presence(self.id, self.caller.name, incident, editing, expires)
        self.hub.bus.publish(PRESENCE, presence.payload())


def _current_caller(auth: Auth, headers: Headers) -> Caller | None:
    """Who the socket's credential names now, as the middleware found it at first:
    the bearer token when there is one, else the session cookie."""
    authorization = headers.get("authorization")
    if authorization is not None:
        return auth.tokens.resolve(authorization.partition(" ")[2].strip())
    session_id = cookie_parser(headers.get("cookie", "")).get(COOKIE)
    return auth.sessions.resolve(session_id) if session_id else None


def _where(value: object) -> tuple[str | None, str | None]:
    """The (incident, editing) of a client's presence frame."""
    if not isinstance(value, dict) or not set(value) <= {"incident", "editing"}:
        expected = '{"incident": id or null, "editing": field or null}'
        raise _Refused("invalid", f"presence: expected {expected}, found {value!r}")
    incident, editing = value.get("incident"), value.get("editing")
    for name, item in (("incident", incident), ("editing", editing)):
        if item is not None and not (isinstance(item, str) and 0 < len(item) <= MAX_NAME):
            problem = f"expected null or a string of 1 to {MAX_NAME} characters, found {item!r}"
            raise _Refused("invalid", f"presence: {name}: {problem}")
    if incident is None and editing is not None:
        raise _Refused("invalid", "presence: editing needs an incident")
    return incident, editing


@requires("viewer")
async def live_events(request: Request) -> Response:
    named = [t for t in request.query_params.get("topics", "").split(",") if t]
    unknown = sorted(set(named) - set(TOPICS))
    if unknown:
        message = f"topics: unknown {unknown}; known: {', '.join(TOPICS)}"
        return error(400, "invalid", message)
    hub = hub_of(request.app)
    feed = Feed(size=hub.queue_size, topics=named or TOPICS)
    unsubscribe = hub.bus.listen(feed.offer)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    stream = _events(request, hub, feed, unsubscribe)
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


async def _events(
    request: Request, hub: LiveHub, feed: Feed, unsubscribe: Unsubscribe
) -> AsyncIterator[str]:
    checked = time.monotonic()
    try:
        yield ": connected\n\n"
        if PRESENCE in feed.topics:
            yield _event("present", hub.present()["present"])
        while True:
            item: Message | Frame | None = None
            # Not yielding inside the scope: its timeout must not reach the consumer.
            with anyio.move_on_after(KEEPALIVE_SECONDS):
                item = await feed.next()
            yield ": keep-alive\n\n" if item is None else _sse(item)
            if time.monotonic() - checked >= hub.recheck_seconds:
                checked = time.monotonic()
                if not await _still_allowed(request):
                    yield _event("session_ended", "log in again and reconnect")
                    return
    finally:
        unsubscribe()
        hub.counts["dropped"] += feed.dropped


async def _still_allowed(request: Request) -> bool:
    """Whether the stream's credential still holds (as `_Session._recheck`)."""
    auth: Auth | None = getattr(request.app.state, "auth", None)
    if auth is None:
        return True
    try:
        caller = await run_in_threadpool(_current_caller, auth, request.headers)
    except AppDbError as exc:
        log.warning("live.recheck_failed", extra=fields(path=request.url.path, error=exc))
        return True
    return caller is not None


def _sse(item: Message | Frame) -> str:
    if isinstance(item, Message):
        return f"id: {item.seq}\n" + _event(item.topic, item.payload)
    return _event("dropped", item["dropped"])


def _event(name: str, data: object) -> str:
    return f"event: {name}\ndata: {orjson.dumps(data).decode()}\n\n"
