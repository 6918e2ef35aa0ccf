import time
from collections.abc import Iterator

import pytest

from mozdef.appdb import AppDb
from mozdef.blocklist import BlockListEntry, BlockListStore, HttpFirewallPush, QueuedPush
from tests.alerts.actions.servers import HANG, Endpoint, http_endpoint

from .conftest import START, Clock, hours

ENTRY = BlockListEntry("b1", "ip", "203.0.113.5", "scanner", "alice", START, hours(1))


@pytest.fixture
def firewall() -> Iterator[Endpoint]:
    with http_endpoint(200, path="/block") as endpoint:
        yield endpoint


def _until(condition: object, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not callable(condition) or not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_push_posts_the_entries_as_json(firewall: Endpoint) -> None:
    result = HttpFirewallPush(firewall.url).push([ENTRY])

    assert (result.ok, result.detail) == (True, "http 200")
    assert firewall.received[0].body == {
        "action": "block",
        "entries": [
            {
                "id": "b1",
                "kind": "ip",
                "value": "203.0.113.5",
                "reason": "scanner",
                "created_by": "alice",
                "created": "2026-12-01T09:00:00.000000+00:00",
                "expires": "2026-12-01T10:00:00.000000+00:00",
            }
        ],
    }


def test_withdraw_posts_an_unblock(firewall: Endpoint) -> None:
    HttpFirewallPush(firewall.url).withdraw([ENTRY])

    assert firewall.received[0].body["action"] == "unblock"


def test_headers_are_sent_with_each_push(firewall: Endpoint) -> None:
    HttpFirewallPush(firewall.url, headers={"X-Api-Key": "k1"}).push([ENTRY])

    assert firewall.received[0].headers["X-Api-Key"] == "k1"


def test_a_refusing_firewall_is_reported_not_raised() -> None:
    with http_endpoint(500) as endpoint:
        result = HttpFirewallPush(endpoint.url).push([ENTRY])

    assert (result.ok, result.detail) == (False, "http 500 {}")


def test_an_unreachable_firewall_is_reported_not_raised() -> None:
    result = HttpFirewallPush("http://127.0.0.1:9/block", timeout=1).push([ENTRY])

    assert result.ok is False and result.detail.startswith("cannot reach http://127.0.0.1:9/block")


def test_a_firewall_that_does_not_answer_times_out() -> None:
    with http_endpoint(HANG) as endpoint:
        started = time.monotonic()
        result = HttpFirewallPush(endpoint.url, timeout=0.2).push([ENTRY])

    assert result.ok is False and time.monotonic() - started < 2


def test_a_queued_push_returns_before_a_slow_firewall_answers() -> None:
    with http_endpoint(HANG, 200) as endpoint:
        queued = QueuedPush(HttpFirewallPush(endpoint.url, timeout=2))
        started = time.monotonic()

        result = queued.push([ENTRY])

        assert (result.detail, time.monotonic() - started < 0.5) == ("queued", True)
        endpoint.release.set()
        assert queued.drain(5)
        queued.close()


def test_a_full_queue_drops_the_change_and_counts_it() -> None:
    with http_endpoint(HANG, 200) as endpoint:
        queued = QueuedPush(HttpFirewallPush(endpoint.url, timeout=5), capacity=1)
        queued.push([ENTRY])
        _until(lambda: len(endpoint.received) == 1)
        queued.push([ENTRY])

        dropped = queued.push([ENTRY])

        endpoint.release.set()
        queued.close()
    # The first push hung up unanswered (failed), the second went through (sent).
    assert (dropped.ok, queued.dropped, queued.failed, queued.sent) == (False, 1, 1, 1)


def test_the_store_pushes_blocks_unblocks_and_pruned_entries(
    appdb: AppDb, clock: Clock, firewall: Endpoint
) -> None:
    queued = QueuedPush(HttpFirewallPush(firewall.url))
    blocks = BlockListStore(appdb, firewall=queued, clock=clock)
    kept = blocks.block("203.0.113.5", reason="r", by="alice")
    blocks.block("203.0.113.5", reason="again", by="alice")
    blocks.block("203.0.113.6", reason="r", by="alice", expires=hours(1))
    blocks.unblock(kept.entry.id, by="bob")
    clock.advance(hours=2)
    blocks.prune()

    assert queued.drain(5)
    queued.close()
    sent = [(r.body["action"], [e["value"] for e in r.body["entries"]]) for r in firewall.received]
    assert sent == [
        ("block", ["203.0.113.5"]),
        ("block", ["203.0.113.6"]),
        ("unblock", ["203.0.113.5"]),
        ("unblock", ["203.0.113.6"]),
    ]
