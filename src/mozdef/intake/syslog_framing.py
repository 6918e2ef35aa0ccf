"""Splitting a syslog TCP stream into messages (RFC 6587, RFC 5425).

Senders frame messages in one of two ways: octet counting (`LEN SP MSG`, the only
one RFC 5425 allows over TLS) or a trailing delimiter (LF, or NUL as some older
senders use). The framing is told per message, so both work on one port and a
sender may even mix them. A message longer than the limit is cut to the limit
and marked truncated; the rest of it is skipped, up to where the next one starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OCTET_COUNT = re.compile(rb"([1-9]\d{0,9}) ")
_DIGITS = re.compile(rb"\d{1,10}")
_DELIMITER = re.compile(rb"[\n\x00]")
_BLANK = b"\n\r\x00"


@dataclass(frozen=True)
class Frame:
    data: bytes
    truncated: bool = False


class Framer:
    """Splits one TCP stream into messages.

    A message starting with digits and a space is octet-counted (`LEN SP MSG`,
    RFC 6587 and RFC 5425); any other runs to the next LF or NUL. A newline-framed
    message without `<PRI>` that starts with digits and a space is therefore
    misread as octet-counted, as by other syslog receivers.
    """

    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 1:
            raise ValueError(f"max_bytes must be positive, found {max_bytes}")
        self._max = max_bytes
        self._buffer = bytearray()
        self._start = 0
        # Bytes of an oversized octet-counted message still to throw away.
        self._skip = 0
        # Throwing away an oversized delimited message up to its delimiter.
        self._discarding = False

    def feed(self, data: bytes) -> list[Frame]:
        """The messages completed by `data`."""
        self._buffer += data
        frames: list[Frame] = []
        while self._start < len(self._buffer) and self._step(frames):
            pass
        del self._buffer[: self._start]
        self._start = 0
        return frames

    def close(self) -> list[Frame]:
        """The message left unterminated when the stream ends, if any."""
        rest = bytes(self._buffer[self._start :])
        self._buffer.clear()
        self._start = 0
        if self._skip or self._discarding or not rest.strip(_BLANK):
            return []
        header = _OCTET_COUNT.match(rest)
        if header is not None:
            return [Frame(rest[header.end() :], truncated=True)]
        return [Frame(rest[: self._max], truncated=len(rest) > self._max)]

    def _step(self, frames: list[Frame]) -> bool:
        """Consume one unit from the buffer; False when more data is needed."""
        start = self._start
        if self._skip:
            taken = min(self._skip, len(self._buffer) - start)
            self._skip -= taken
            self._start += taken
            return True
        if self._discarding:
            return self._discard()
        if self._buffer[start] in _BLANK:
            self._start += 1
            return True
        if _DIGITS.match(self._buffer, start):
            counted = self._octet_counted(frames)
            if counted is not None:
                return counted
        return self._delimited(frames)

    def _discard(self) -> bool:
        end = _DELIMITER.search(self._buffer, self._start)
        if end is None:
            self._start = len(self._buffer)
            return False
        self._discarding = False
        self._start = end.end()
        return True

    def _octet_counted(self, frames: list[Frame]) -> bool | None:
        """Take one octet-counted message; None when the data is not one."""
        header = _OCTET_COUNT.match(self._buffer, self._start)
        if header is None:
            waiting = _DIGITS.fullmatch(self._buffer, self._start)
            return False if waiting is not None and len(waiting[0]) < 10 else None
        length, body = int(header[1]), header.end()
        wanted = min(length, self._max)
        if len(self._buffer) - body < wanted:
            return False
        frames.append(Frame(bytes(self._buffer[body : body + wanted]), length > self._max))
        self._start = body + wanted
        self._skip = length - wanted
        return True

    def _delimited(self, frames: list[Frame]) -> bool:
        start = self._start
        end = _DELIMITER.search(self._buffer, start)
        if end is None:
            if len(self._buffer) - start <= self._max:
                return False
            frames.append(Frame(bytes(self._buffer[start : start + self._max]), truncated=True))
            self._start = start + self._max
            self._discarding = True
            return True
        size = end.start() - start
        cut = min(size, self._max)
        frames.append(Frame(bytes(self._buffer[start : start + cut]), truncated=size > self._max))
        self._start = end.end()
        return True
