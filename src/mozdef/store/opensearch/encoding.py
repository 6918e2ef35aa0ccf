"""How typed values become terms of the hidden keyword fields, and back.

Every leaf of an event is indexed as one keyword term `<path>\\x1f<value>` in a field
chosen by its JSON type (see `document`), so one fixed mapping holds any number of
paths without type conflicts. Numbers and times are written in an order-preserving
form, so that a term range over `<path>\\x1f<low>` .. `<path>\\x1f<high>` is a numeric
or time range:
- a number as the 16 hex digits of its IEEE 754 double, sign bit flipped (negative
  numbers: every bit flipped); integers beyond 2**53 lose precision there.
- a time as microseconds since the epoch plus 2**63, in 16 hex digits.
Strings keep their UTF-8 bytes, whose order is code point order.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import struct

SEPARATOR = "\x1f"
# The first string above every `<path>\x1f...` term of a path: an open upper bound.
AFTER_SEPARATOR = "\x20"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_SIGN = 1 << 63
_ALL_BITS = (1 << 64) - 1
_LUCENE_REGEX_PLAIN = re.compile(r"[A-Za-z0-9_]")


def term(path: str, value: str) -> str:
    return f"{path}{SEPARATOR}{value}"


def path_of(encoded: str) -> tuple[str, str]:
    """The path and the value of a term made by `term`."""
    path, _, value = encoded.partition(SEPARATOR)
    return path, value


def number(value: float) -> str | None:
    """`value` in order-preserving form; None when it is not finite."""
    if not math.isfinite(value):
        return None
    (bits,) = struct.unpack(">Q", struct.pack(">d", value + 0.0))
    bits = bits ^ _ALL_BITS if bits & _SIGN else bits | _SIGN
    return f"{bits:016x}"


def read_number(text: str) -> int | float:
    """The number that `number` wrote; integral values come back as int."""
    bits = int(text, 16)
    bits = bits ^ _SIGN if bits & _SIGN else bits ^ _ALL_BITS
    (value,) = struct.unpack(">d", struct.pack(">Q", bits))
    return int(value) if value.is_integer() else float(value)


def micros(moment: dt.datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def instant(moment: dt.datetime) -> str:
    return f"{micros(moment) + _SIGN:016x}"


def read_instant_millis(text: str) -> int:
    """Epoch milliseconds (floored) of a time written by `instant`."""
    return (int(text, 16) - _SIGN) // 1000


def wildcard_literal(text: str) -> str:
    """`text` matched literally inside a wildcard pattern."""
    return re.sub(r"([*?\\])", r"\\\1", text)


def regex_literal(text: str) -> str:
    """`text` matched literally inside a Lucene regular expression."""
    return "".join(
        char if _LUCENE_REGEX_PLAIN.fullmatch(char) or not char.isascii() else "\\" + char
        for char in text
    )
