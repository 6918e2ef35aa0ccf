"""Times as queries write them: ISO 8601, epoch milliseconds and Elasticsearch date math.

Accepted forms:
- an ISO 8601 time or date (`2024-05-01T10:00:00Z`, `2024-05-01`); no zone means UTC;
- epoch milliseconds (`1714557600000`);
- `now` with date math: `now-15m`, `now+1h`, `now-7d/d` (rounded to the start of the day);
- date math anchored on a time: `2024-05-01||+1M/M`;
- a bare duration, meaning that long before now, as the HTTP API takes it: `15m`, `24h`, `7d`, `2w`.

Units are y M w d h H m s: `M` is months and `m` minutes; `H` is hours like `h`.
Weeks start on Monday. Adding months keeps the day of the month, clamped to the
month's last day (January 31 plus one month is February 28 or 29).

Rounding in range bounds follows Elasticsearch: `gte` and `lt` round a `/unit` down to
the start of the unit, `gt` and `lte` round it up to the unit's last millisecond, so that
`[now-1d/d TO now/d]` covers yesterday and all of today. Callers ask for the second kind
with `round_up=True`; it changes nothing for a value without rounding.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta

from mozdef.errors import QueryValueError

_EXPECTED = (
    "an ISO 8601 time, epoch milliseconds, date math such as now-15m or now-1d/d, "
    "or a duration such as 15m, 24h, 7d"
)
_UNITS = "yMwdhHms"
_DURATION = re.compile(rf"(\d+)([{_UNITS}])")
_EPOCH_MILLIS = re.compile(r"-?\d+")
_MATH_STEP = re.compile(rf"([+-])(\d+)([{_UNITS}])|/([{_UNITS}])")
_FIXED = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "H": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "s": timedelta(seconds=1),
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MILLI = timedelta(milliseconds=1)


def resolve_time(text: str, *, now: datetime, round_up: bool = False) -> datetime:
    """The UTC time that `text` names, relative to `now` where it uses date math."""
    value = text.strip()
    duration = _DURATION.fullmatch(value)
    if duration:
        return _shift(as_utc(now), -int(duration.group(1)), duration.group(2))

    if value.startswith("now"):
        return _apply_math(as_utc(now), value[3:], text, round_up=round_up)
    if "||" in value:
        anchor, math = value.split("||", 1)
        return _apply_math(_absolute(anchor, text), math, text, round_up=round_up)
    return _absolute(value, text)


def parse_instant(text: str) -> datetime | None:
    """An event's stored time as an aware UTC datetime, or None when it is not one."""
    try:
        return as_utc(datetime.fromisoformat(text.strip()))
    except ValueError:
        return None


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _absolute(value: str, text: str) -> datetime:
    if _EPOCH_MILLIS.fullmatch(value):
        return _EPOCH + timedelta(milliseconds=int(value))
    instant = parse_instant(value)
    if instant is None:
        raise QueryValueError(text, _EXPECTED)
    return instant


def _apply_math(anchor: datetime, math: str, text: str, *, round_up: bool) -> datetime:
    moment = anchor
    position = 0
    while position < len(math):
        step = _MATH_STEP.match(math, position)
        if step is None:
            raise QueryValueError(text, _EXPECTED)
        sign, amount, unit, rounding = step.groups()
        if rounding:
            moment = _round(moment, rounding, up=round_up)
        else:
            moment = _shift(moment, int(amount) * (-1 if sign == "-" else 1), unit)
        position = step.end()
    return moment


def _shift(moment: datetime, amount: int, unit: str) -> datetime:
    try:
        if unit in ("y", "M"):
            return _add_months(moment, amount * 12 if unit == "y" else amount)
        return moment + _FIXED[unit] * amount
    except (OverflowError, ValueError) as error:
        raise QueryValueError(f"{amount}{unit}", "a time between years 1 and 9999") from error


def _add_months(moment: datetime, months: int) -> datetime:
    year, month_index = divmod(moment.month - 1 + months, 12)
    year += moment.year
    day = min(moment.day, calendar.monthrange(year, month_index + 1)[1])
    return moment.replace(year=year, month=month_index + 1, day=day)


def _round(moment: datetime, unit: str, *, up: bool) -> datetime:
    start = _floor(moment, unit)
    if not up:
        return start
    return _shift(start, 1, unit) - _ONE_MILLI


def _floor(moment: datetime, unit: str) -> datetime:
    start_of_day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "y":
        return start_of_day.replace(month=1, day=1)
    if unit == "M":
        return start_of_day.replace(day=1)
    if unit == "w":
        return start_of_day - timedelta(days=moment.weekday())
    if unit == "d":
        return start_of_day
    if unit in ("h", "H"):
        return moment.replace(minute=0, second=0, microsecond=0)
    if unit == "m":
        return moment.replace(second=0, microsecond=0)
    return moment.replace(microsecond=0)
