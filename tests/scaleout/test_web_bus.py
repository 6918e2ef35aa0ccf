"""Two `mozdef web` processes on one PostgreSQL database: an incident edited through
one reaches a browser's socket on the other (how fast is measured by
benchmarks/bench_web.py, not here)."""

from __future__ import annotations

import httpx
import orjson
from websockets.sync.client import connect

from mozdef.bus import INCIDENT_CHANGED
from mozdef.web.live import PATH
from tests.scaleout.cluster import Cluster


def test_an_incident_edit_on_one_web_process_reaches_a_socket_on_the_other(
    cluster: Cluster,
) -> None:
    editing = cluster.start("web", name="web-a")
    watching = cluster.start("web", name="web-b")
    uri = watching.url.replace("http://", "ws://") + PATH

    with connect(uri, additional_headers=watching.headers, open_timeout=10) as socket:
        socket.recv(timeout=10)  # hello
        socket.send(orjson.dumps({"subscribe": [INCIDENT_CHANGED]}).decode())
        socket.recv(timeout=10)  # subscribed
        made = httpx.post(
            editing.url + "/api/v1/incidents",
            json={"summary": f"seen from both {cluster.tag}"},
            headers=editing.headers,
            timeout=10,
        )
        assert made.status_code == 201, made.text
        frame = orjson.loads(socket.recv(timeout=5))

    assert (frame["topic"], frame["payload"]["id"]) == (INCIDENT_CHANGED, made.json()["id"])
