"""Index names, as MozDef wrote them, and which ones a search target means.

Names: `events-YYYYMMDD` for one UTC day of events, `alerts-YYYYMM` for one
month of alerts, `<app>-YYYYMMDD` for a custom application's documents. A family
is lower-case letters, digits, `_`, `.` and `-`, starting with a letter or digit,
so that a name is always a safe directory name.

Search targets, resolved against the indices that exist:
- `events`: today and yesterday (MozDef's alias); `events-previous`: yesterday;
- `alerts`: every alerts month (the alert engine reads them all);
- `<family>-*`: every index of the family; any other `*` pattern: fnmatch on names;
- a concrete name: itself; a comma list: the union, in name order.
A name that does not exist resolves to nothing, as an empty day has no index.
With a time range, only the indices whose day (or month) overlaps it remain.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from mozdef.errors import QueryValueError

EVENTS = "events"
ALERTS = "alerts"
MONTHLY_FAMILIES = frozenset({ALERTS})

_FAMILY = r"[a-z0-9][a-z0-9_.\-]*"
_NAME = re.compile(rf"(?P<family>{_FAMILY})-(?P<stamp>\d{{8}}|\d{{6}})")
_FAMILY_ONLY = re.compile(_FAMILY)
_TARGET = re.compile(r"[a-z0-9_.\-*?]+")
_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class IndexName:
    """A parsed index name: `first` is its first day, `last` its last day."""

    name: str
    family: str
    first: dt.date
    last: dt.date

    def overlaps(self, start: dt.datetime | None, end: dt.datetime | None) -> bool:
        """Whether any instant of the index's days lies in `[start, end)`."""
        begins = dt.datetime.combine(self.first, dt.time(), dt.UTC)
        ends = dt.datetime.combine(self.last + _ONE_DAY, dt.time(), dt.UTC)
        return (start is None or start < ends) and (end is None or end > begins)


def index_name(family: str, moment: dt.datetime | dt.date) -> str:
    """The index that holds a document of `family` dated `moment` (UTC)."""
    if isinstance(moment, dt.datetime):
        moment = _utc(moment).date()
    return _dated(family, moment)


@functools.lru_cache(maxsize=4096)
def _dated(family: str, day: dt.date) -> str:
    if not _FAMILY_ONLY.fullmatch(family):
        raise QueryValueError(family, "an index family of a-z, 0-9, _ . - characters")
    if family in MONTHLY_FAMILIES:
        return f"{family}-{day:%Y%m}"
    return f"{family}-{day:%Y%m%d}"


def parse(name: str) -> IndexName | None:
    """`name` parsed, or None when it is not an index name of this store."""
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    stamp = match["stamp"]
    try:
        if len(stamp) == 8:
            day = dt.datetime.strptime(stamp, "%Y%m%d").date()
            return IndexName(name, match["family"], day, day)
        first = dt.datetime.strptime(stamp, "%Y%m").date()
    except ValueError:
        return None
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return IndexName(name, match["family"], first, last)


def resolve(
    target: str,
    existing: Iterable[str],
    *,
    today: dt.date,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> list[str]:
    """The existing index names that `target` means, restricted to `[start, end)`."""
    parsed = [index for index in map(parse, existing) if index is not None]
    chosen: set[str] = set()
    for part in (piece.strip() for piece in target.split(",")):
        if not part or not _TARGET.fullmatch(part):
            raise QueryValueError(target, "index names or patterns of a-z, 0-9, _ . - * ?")
        chosen.update(index.name for index in parsed if _means(part, index, today))
    overlapping = (index for index in parsed if index.name in chosen)
    return sorted(index.name for index in overlapping if index.overlaps(start, end))


def _means(part: str, index: IndexName, today: dt.date) -> bool:
    if part == EVENTS:
        return index.family == EVENTS and index.first in (today, today - _ONE_DAY)
    if part == f"{EVENTS}-previous":
        return index.family == EVENTS and index.first == today - _ONE_DAY
    if part == ALERTS:
        return index.family == ALERTS
    if part.endswith("-*") and _FAMILY_ONLY.fullmatch(part[:-2]):
        return index.family == part[:-2]
    return fnmatchcase(index.name, part)


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)
