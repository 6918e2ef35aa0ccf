"""Reading the many ways shippers write a time, and the one way events store it.

The canonical form, used for every time field of a stored event, is UTC ISO 8601
with microseconds and an explicit offset: `2024-01-02T03:04:05.000000+00:00`.
Strings in that form sort in time order and parse back with `fromisoformat`.

Accepted inputs, tried in this order:
- `datetime` objects (a naive one is taken as UTC).
- ISO 8601 / RFC 3339 / RFC 5424 strings: `T` or a space between date and time,
  `Z` or an offset, any number of fractional digits (digits past microseconds are
  cut). No zone means UTC.
- Epoch numbers as int, float or a numeric string. The unit is chosen by the
  magnitude of the value, so that every unit covers 1973 to 5138:
  below 1e11 seconds, below 1e14 milliseconds, below 1e17 microseconds,
  below 1e20 nanoseconds; larger or negative values are refused.
  One exception: an 8-digit string that is a valid compact date (`20240102`) is
  read as that date, since 8 digits of epoch seconds would only reach 1973.
- RFC 3164 syslog dates `Dec  3 13:38:59` (optionally with fractional seconds or
  a year after the day, as CEF's `rt` does: `Dec 03 2024 13:38:59`). Without a
  year, the year that puts the time nearest to `now` is chosen, so that a
  `Dec 31 23:59:59` received on 1 January lands in the previous year. These
  dates carry no zone and are taken as UTC.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Upper bounds (exclusive) of each epoch unit; see the module documentation.
_SECONDS_BELOW = 1e11
_MILLIS_BELOW = 1e14
_MICROS_BELOW = 1e17
_NANOS_BELOW = 1e20

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}

_SYSLOG_DATE = re.compile(
    r"(?P<month>[A-Za-z]{3}) +(?P<day>\d{1,2})(?: (?P<year>\d{4}))? "
    r"(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})(?P<fraction>\.\d{1,9})?"
)

# Fractional seconds longer than microseconds, which `fromisoformat` refuses on some inputs.
_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")

_NUMBER = re.compile(r"\d+(?:\.\d*)?")

_CANONICAL_LENGTH = len("2024-01-02T03:04:05.000000+00:00")


def format_timestamp(moment: datetime) -> str:
    """The canonical text of `moment`: UTC, microseconds, `+00:00`."""
    if moment.tzinfo is not UTC:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")


def is_canonical(text: str) -> bool:
    """Whether `text`, known to be a readable time, is already in the canonical form."""
    return (
        len(text) == _CANONICAL_LENGTH
        and text[10] == "T"
        and text[19] == "."
        and text.endswith("+00:00")
    )


def parse_timestamp(value: object, *, now: datetime) -> datetime | None:
    """An aware UTC datetime read from `value`, or None when it is not a time."""
    if isinstance(value, str):
        return _parse_text(value, now)
    if isinstance(value, datetime):
        return _to_utc(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_epoch(value)
    return None


def _parse_text(text: str, now: datetime) -> datetime | None:
    try:
        return _to_utc(datetime.fromisoformat(text))
    except ValueError:
        pass

    text = text.strip()
    if _NUMBER.fullmatch(text):
        return _from_epoch(float(text) if "." in text else int(text))
    syslog = _SYSLOG_DATE.fullmatch(text)
    if syslog is not None:
        return _from_syslog(syslog, now)
    return _parse_iso_leniently(text)


def _parse_iso_leniently(text: str) -> datetime | None:
    # Lower-case separators and nanosecond fractions, as some shippers write them.
    text = _LONG_FRACTION.sub(r"\1", text)
    if len(text) > 10 and text[10] == "t":
        text = f"{text[:10]}T{text[11:]}"
    if text.endswith("z"):
        text = text[:-1] + "Z"
    try:
        return _to_utc(datetime.fromisoformat(text))
    except ValueError:
        return None


def _to_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    if moment.tzinfo is UTC:
        return moment
    return moment.astimezone(UTC)


def _from_epoch(number: float) -> datetime | None:
    if number < 0 or math.isnan(number) or number >= _NANOS_BELOW:
        return None
    if number < _SECONDS_BELOW:
        microseconds = number * 1_000_000
    elif number < _MILLIS_BELOW:
        microseconds = number * 1_000
    elif number < _MICROS_BELOW:
        microseconds = number
    else:
        microseconds = number // 1_000 if isinstance(number, int) else number / 1_000
    return _EPOCH + timedelta(microseconds=round(microseconds))


def _from_syslog(match: re.Match[str], now: datetime) -> datetime | None:
    month = _MONTHS.get(match["month"].lower())
    if month is None:
        return None
    fraction = match["fraction"]
    parts = (
        month,
        int(match["day"]),
        int(match["hour"]),
        int(match["minute"]),
        int(match["second"]),
        int(fraction[1:7].ljust(6, "0")) if fraction else 0,
    )
    if match["year"] is not None:
        return _build(int(match["year"]), parts)
    return _nearest_year(parts, now)


def _nearest_year(parts: tuple[int, ...], now: datetime) -> datetime | None:
    now = _to_utc(now)
    candidates = [_build(year, parts) for year in (now.year - 1, now.year, now.year + 1)]
    valid = [moment for moment in candidates if moment is not None]
    if not valid:
        return None
    return min(valid, key=lambda moment: abs(moment - now))


def _build(year: int, parts: tuple[int, ...]) -> datetime | None:
    month, day, hour, minute, second, micro = parts
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)
    except ValueError:
        # 29 February in a year that has none, or an out-of-range field.
        return None
