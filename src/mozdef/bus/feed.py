"""One async consumer's share of the bus: a bounded queue between the bus's thread
and the consumer's event loop.

The bus delivers in its reader's thread, which must never wait for a client; so
`offer` only hands the message to the consumer's loop, and a consumer that reads
slower than messages come loses the oldest ones: once `size` messages wait, each
new one pushes out the oldest, and `next` then answers `{"dropped": n}` before the
messages that are left, so that the consumer knows to reload what it shows.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Iterable
from typing import Any

from mozdef.bus.message import Message

Frame = dict[str, Any]


class Feed:
    """What waits to be sent to one client: filled from the bus's thread (`offer`),
    emptied by the client's task (`next`). Made in the client's event loop."""

    def __init__(self, *, size: int, topics: Iterable[str] = ()) -> None:
        self._loop = asyncio.get_running_loop()
        # Swapped whole, never changed in place: the bus's thread reads it.
        self.topics = frozenset(topics)
        self._size = size
        self._messages: deque[Message] = deque()
        self._replies: deque[Frame] = deque()
        self._unreported = 0
        self.dropped = 0
        self._ready = asyncio.Event()

    def offer(self, message: Message) -> None:
        """A bus listener: keep `message` if its topic is followed."""
        if message.topic not in self.topics:
            return
        # A closed loop: the client is gone, and so is the need to send.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._put, message)

    def reply(self, frame: Frame) -> None:
        """Send `frame` before any waiting message (from the client's loop only)."""
        self._replies.append(frame)
        self._ready.set()

    async def next(self) -> Message | Frame:
        """The next reply, else the count of messages dropped since the last such
        frame (as `{"dropped": n}`), else the next message."""
        while not (self._replies or self._messages):
            self._ready.clear()
            await self._ready.wait()
        if self._replies:
            return self._replies.popleft()
        if self._unreported:
            count, self._unreported = self._unreported, 0
            return {"dropped": count}
        return self._messages.popleft()

    def _put(self, message: Message) -> None:
        if len(self._messages) >= self._size:
            self._messages.popleft()
            self._unreported += 1
            self.dropped += 1
        self._messages.append(message)
        self._ready.set()
