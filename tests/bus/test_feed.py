from __future__ import annotations

import asyncio
import datetime as dt

from mozdef.bus import INCIDENT_CHANGED, LocalBus, Message
from mozdef.bus.feed import Feed

START = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


def _message(seq: int) -> Message:
    return Message(seq, INCIDENT_CHANGED, {"id": f"i{seq}"}, START)


def test_a_full_feed_drops_its_oldest_messages_and_says_how_many() -> None:
    async def scenario() -> list[object]:
        feed = Feed(size=3, topics=[INCIDENT_CHANGED])
        for seq in range(1, 6):
            feed.offer(_message(seq))
        await asyncio.sleep(0)
        items = [await feed.next() for _ in range(4)]
        return [item.seq if isinstance(item, Message) else item for item in items]

    assert asyncio.run(scenario()) == [{"dropped": 2}, 3, 4, 5]


def test_a_slow_client_does_not_hold_up_another() -> None:
    async def scenario() -> tuple[int, int]:
        bus = LocalBus()
        slow, quick = (
            Feed(size=2, topics=[INCIDENT_CHANGED]),
            Feed(size=100, topics=[INCIDENT_CHANGED]),
        )
        bus.listen(slow.offer)
        bus.listen(quick.offer)
        for number in range(50):
            bus.publish(INCIDENT_CHANGED, {"id": f"i{number}"})
        await asyncio.sleep(0)
        got = [await quick.next() for _ in range(50)]
        return len(got), slow.dropped

    assert asyncio.run(scenario()) == (50, 48)
