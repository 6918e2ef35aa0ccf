from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import orjson
import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from websockets.sync.client import connect as ws_connect

from mozdef.appdb import AppDb
from mozdef.bus import ALERT_TOPICS, INCIDENT_CHANGED, PRESENCE, LocalBus, SharedBus
from mozdef.bus.payload import alert_summary
from mozdef.web.live import PATH
from tests.auth.harness import PASSWORD
from tests.web.live_harness import (
    LiveApp,
    alert_document,
    bearer,
    connect,
    live_app,
    receive,
    receive_raw,
    served,
)


@dataclass
class Live:
    app: LiveApp
    client: TestClient
    # What another process (the alert engine's) publishes on.
    publisher: SharedBus


@pytest.fixture
def live(appdb: AppDb, open_appdb: Callable[[], AppDb]) -> Iterator[Live]:
    web_bus = SharedBus(open_appdb())
    web_bus.start()
    publisher = SharedBus(appdb)
    publisher.start(read=False)
    app = live_app(appdb, web_bus)
    app.hub.start()
    with TestClient(app.app) as client:
        yield Live(app, client, publisher)
    app.hub.stop()
    publisher.stop()
    web_bus.stop()


def test_a_client_receives_an_alert_published_on_another_bus(live: Live) -> None:
    token = live.app.token("alice", "viewer")
    document = alert_document()
    with connect(live.client, token) as socket:
        hello = receive(socket)["hello"]
        socket.send_json({"subscribe": ["alert.created"]})
        assert receive(socket) == {"subscribed": ["alert.created"]}

        live.publisher.publish("alert.created", document)
        frame = receive(socket)

    assert hello["user"] == "alice"
    assert hello["topics"][:3] == list(ALERT_TOPICS)
    assert frame["topic"] == "alert.created"
    assert frame["payload"] == alert_summary(document)
    assert isinstance(frame["seq"], int)


def test_a_client_gets_only_the_topics_it_follows(live: Live) -> None:
    token = live.app.token("alice", "viewer")
    with connect(live.client, token) as socket:
        receive(socket)
        socket.send_json({"subscribe": [INCIDENT_CHANGED]})
        receive(socket)

        live.publisher.publish("alert.created", alert_document())
        live.publisher.publish(INCIDENT_CHANGED, {"id": "i-42"})
        frame = receive(socket)

    assert frame["topic"] == INCIDENT_CHANGED
    assert frame["payload"] == {"id": "i-42"}


def test_presence_sent_by_one_client_is_seen_by_another_and_its_leaving_too(
    live: Live,
) -> None:
    alice, bob = live.app.token("alice", "analyst"), live.app.token("bob", "viewer")
    with connect(live.client, bob) as watching:
        receive(watching)
        watching.send_json({"subscribe": [PRESENCE]})
        assert receive(watching) == {"subscribed": [PRESENCE]}
        assert receive(watching) == {"present": []}
        with connect(live.client, alice) as editing:
            connection = receive(editing)["hello"]["connection"]
            editing.send_json({"presence": {"incident": "i-42", "editing": "summary"}})
            seen = receive(watching)
        gone = receive(watching)

    assert seen["topic"] == PRESENCE
    assert {k: seen["payload"][k] for k in ("connection", "user", "incident", "editing")} == {
        "connection": connection,
        "user": "alice",
        "incident": "i-42",
        "editing": "summary",
    }
    assert gone["payload"]["connection"] == connection
    assert gone["payload"]["incident"] is None


def test_a_client_following_presence_learns_who_is_there_already(live: Live) -> None:
    alice, bob = live.app.token("alice", "analyst"), live.app.token("bob", "viewer")
    with connect(live.client, alice) as editing:
        receive(editing)
        editing.send_json({"subscribe": [PRESENCE]})
        receive(editing)
        receive(editing)
        editing.send_json({"presence": {"incident": "i-42", "editing": None}})
        receive(editing)  # its own presence, back from the bus: the board has it now
        with connect(live.client, bob) as watching:
            receive(watching)
            watching.send_json({"subscribe": [PRESENCE]})
            receive(watching)
            present = receive(watching)["present"]

    assert [(p["user"], p["incident"]) for p in present] == [("alice", "i-42")]


def test_an_unauthenticated_socket_is_refused_with_1008(live: Live) -> None:
    with pytest.raises(WebSocketDisconnect) as refused, live.client.websocket_connect(PATH):
        pass

    assert refused.value.code == 1008


def test_a_socket_whose_token_was_revoked_is_closed_with_1008(
    appdb: AppDb, open_appdb: Callable[[], AppDb]
) -> None:
    bus = LocalBus()
    app = live_app(appdb, bus, recheck_seconds=0.05)
    user = app.auth.users.add("alice", "viewer", PASSWORD)
    created = app.auth.tokens.create(user, "test")
    with TestClient(app.app) as client, connect(client, created.token) as socket:
        receive(socket)
        app.auth.tokens.revoke(created.info.id)
        ended = receive(socket)
        closed = receive_raw(socket)

    assert ended["error"]["type"] == "session_ended"
    assert closed == {"type": "websocket.close", "code": 1008, "reason": ""}


def test_a_bad_frame_is_answered_with_an_error_and_the_socket_stays_open(live: Live) -> None:
    token = live.app.token("alice", "viewer")
    with connect(live.client, token) as socket:
        receive(socket)
        socket.send_text("{not json")
        not_json = receive(socket)
        socket.send_json({"subscribe": ["alert.created", "nope"]})
        unknown = receive(socket)
        socket.send_json({"subscribe": ["alert.created"]})
        still_open = receive(socket)

    assert not_json["error"]["type"] == "invalid_json"
    assert unknown["error"]["type"] == "invalid"
    assert "unknown topics ['nope']" in unknown["error"]["message"]
    assert still_open == {"subscribed": ["alert.created"]}


def test_editing_needs_the_analyst_role(live: Live) -> None:
    token = live.app.token("vera", "viewer")
    with connect(live.client, token) as socket:
        receive(socket)
        socket.send_json({"presence": {"incident": "i-42", "editing": "summary"}})
        answer = receive(socket)

    assert answer == {
        "error": {"type": "forbidden", "message": "presence: editing needs the analyst role"}
    }


def test_server_sent_events_refuse_an_unknown_topic(live: Live) -> None:
    token = live.app.token("alice", "viewer")

    answer = live.client.get(PATH + "/events?topics=nope", headers=bearer(token))

    assert answer.status_code == 400
    assert "unknown ['nope']" in answer.json()["error"]["message"]


def test_server_sent_events_carry_the_messages_of_the_named_topics(live: Live) -> None:
    token = live.app.token("alice", "viewer")
    lines: list[str] = []
    with served(live.app.app) as address:
        url = f"http://{address}{PATH}/events?topics={INCIDENT_CHANGED}"
        with httpx.stream("GET", url, headers=bearer(token), timeout=5) as answer:
            stream = answer.iter_lines()
            assert next(stream) == ": connected"
            live.publisher.publish("alert.created", alert_document())
            live.publisher.publish(INCIDENT_CHANGED, {"id": "i-42"})
            while len(lines) < 3:
                lines += [line for line in [next(stream)] if line]

    assert answer.headers["content-type"].startswith("text/event-stream")
    assert lines[0].startswith("id: ")
    assert lines[1:] == ["event: incident.changed", 'data: {"id":"i-42"}']


def test_publish_to_browser_latency_over_uvicorn_is_well_under_a_second(
    live: Live, appdb_url: str
) -> None:
    token = live.app.token("alice", "viewer")
    delays: list[float] = []
    with served(live.app.app) as address:
        uri = f"ws://{address}{PATH}"
        with ws_connect(uri, additional_headers=bearer(token), open_timeout=5) as socket:
            socket.recv(timeout=5)
            socket.send(orjson.dumps({"subscribe": [INCIDENT_CHANGED]}).decode())
            socket.recv(timeout=5)
            sender = threading.Thread(target=_publish_spaced, args=(live.publisher, 50))
            sender.start()
            for _ in range(50):
                frame = orjson.loads(socket.recv(timeout=5))
                delays.append(time.time() - frame["payload"]["sent"])
            sender.join()

    median = statistics.median(delays)
    backend = appdb_url.split(":", 1)[0]
    print(f"live latency {backend}: median={median * 1000:.1f}ms max={max(delays) * 1000:.1f}ms")
    assert median < 0.5


def _publish_spaced(bus: SharedBus, count: int) -> None:
    """Publish `count` messages 20 ms apart: each lands at a different point of the
    readers' poll, as alerts do."""
    for number in range(count):
        bus.publish(INCIDENT_CHANGED, {"id": f"i{number}", "sent": time.time()})
        time.sleep(0.02)
