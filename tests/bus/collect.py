"""What the bus tests share: a listener that keeps what it hears and can wait for it."""

from __future__ import annotations

import threading
import time

from mozdef.bus.message import Message


class Heard:
    """A bus listener keeping each message with the time it came: monotonic in
    `times`, wall-clock (for times taken in another process) in `clock_times`."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.times: list[float] = []
        self.clock_times: list[float] = []
        self._changed = threading.Condition()

    def __call__(self, message: Message) -> None:
        with self._changed:
            self.messages.append(message)
            self.times.append(time.monotonic())
            self.clock_times.append(time.time())
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Message]:
        with self._changed:
            self._changed.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)

    def payloads(self) -> list[dict[str, object]]:
        return [message.payload for message in self.messages]
