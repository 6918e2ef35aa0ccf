"""Block list changes published on the bus for the browsers, and still pushed on to
a firewall."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mozdef.alerts.bus import MemoryBus, Payload
from mozdef.appdb import AppDb
from mozdef.blocklist import blocklist_context
from mozdef.blocklist.model import BlockListEntry
from mozdef.blocklist.notice import BusNotice
from mozdef.blocklist.push import PushResult

from .conftest import Clock, hours


def listen(bus: MemoryBus) -> list[tuple[str, dict[str, Any]]]:
    heard: list[tuple[str, dict[str, Any]]] = []

    def hear(topic: str, payload: Payload) -> None:
        heard.append((topic, dict(payload)))

    bus.subscribe(hear)
    return heard


def test_blocks_unblocks_and_expiries_are_published(appdb: AppDb, clock: Clock) -> None:
    bus = MemoryBus()
    heard = listen(bus)
    lists = blocklist_context(appdb, bus=bus, clock=clock)
    kept = lists.blocks.block("203.0.113.5", reason="scanner", by="alice")
    lists.blocks.block("203.0.113.6", reason="scanner", by="alice", expires=hours(1))
    lists.blocks.unblock(kept.entry.id, by="bob")
    clock.advance(hours=2)
    lists.blocks.prune()

    assert [(topic, p["action"], p["values"]) for topic, p in heard] == [
        ("blocklist.changed", "block", ["203.0.113.5"]),
        ("blocklist.changed", "block", ["203.0.113.6"]),
        ("blocklist.changed", "unblock", ["203.0.113.5"]),
        ("blocklist.changed", "unblock", ["203.0.113.6"]),
    ]
    assert heard[0][1]["ids"] == [kept.entry.id]


def test_an_unchanged_block_is_not_published(appdb: AppDb, clock: Clock) -> None:
    bus = MemoryBus()
    heard = listen(bus)
    lists = blocklist_context(appdb, bus=bus, clock=clock)
    lists.blocks.block("203.0.113.5", reason="scanner", by="alice")
    lists.blocks.block("203.0.113.5", reason="scanner", by="alice")

    assert len(heard) == 1


def test_the_firewall_behind_the_notice_is_told_too(appdb: AppDb, clock: Clock) -> None:
    class Firewall:
        def __init__(self) -> None:
            self.told: list[tuple[str, list[str]]] = []

        def push(self, added: Sequence[BlockListEntry]) -> PushResult:
            self.told.append(("block", [e.value for e in added]))
            return PushResult(True, "http 200")

        def withdraw(self, removed: Sequence[BlockListEntry]) -> PushResult:
            self.told.append(("unblock", [e.value for e in removed]))
            return PushResult(True, "http 200")

    firewall = Firewall()
    notice = BusNotice(MemoryBus(), firewall=firewall)
    lists = blocklist_context(appdb, clock=clock)
    entry = lists.blocks.block("203.0.113.5", reason="scanner", by="alice").entry

    assert notice.push([entry]) == PushResult(True, "http 200")
    assert notice.withdraw([entry]).ok
    assert firewall.told == [("block", ["203.0.113.5"]), ("unblock", ["203.0.113.5"])]
