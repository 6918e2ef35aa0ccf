"""When a rule's schedule falls due: its first run, the runs missed since, its next run.

An interval rule runs on a grid of its interval counted from the Unix epoch (every
5 minutes: at :00, :05, :10...), so that every process computes the same slots
whenever it started (see mozdef.alerts.claims); it first runs as soon as it is
seen, as of the latest slot of its grid. A crontab rule first runs at its next
crontab time. A run happens as of its slot time (its window ends there), so
consecutive runs tile time without gaps.

After downtime, only the `limit` most recent missed slots are run, oldest first,
each with the rule's usual window; the older ones are skipped and counted. Replaying
slots, rather than one run over a widened window, keeps a threshold's meaning (10
events in 5 minutes does not become 10 events in an hour). Events older than the
replayed slots' windows are never looked at: a back-test covers them on demand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from croniter import croniter

from mozdef.alerts.rule import Schedule

# Skipped crontab slots are counted up to this many (a long outage of a busy crontab).
MAX_COUNTED = 100_000
# Where the grid of every interval schedule starts.
ORIGIN = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
DEFAULT_INTERVAL = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Due:
    """The slots to run now, oldest first, the number skipped, and the next slot after."""

    slots: tuple[dt.datetime, ...]
    skipped: int
    next_run: dt.datetime


def first_run(schedule: Schedule, now: dt.datetime) -> dt.datetime:
    if schedule.crontab is not None:
        return _cron_next(schedule.crontab, now)
    interval = schedule.interval or DEFAULT_INTERVAL
    return now - (now - ORIGIN) % interval


def due(schedule: Schedule, next_run: dt.datetime, now: dt.datetime, *, limit: int) -> Due:
    """What is due at `now` for a rule whose next slot was `next_run`."""
    if next_run > now:
        return Due((), 0, next_run)
    if schedule.crontab is not None:
        return _cron_due(schedule.crontab, next_run, now, limit)
    interval = schedule.interval or DEFAULT_INTERVAL
    # A next run saved off the grid (an older version, a changed interval) moves onto it.
    next_run += -(next_run - ORIGIN) % interval
    if next_run > now:
        return Due((), 0, next_run)
    missed = (now - next_run) // interval + 1
    kept = min(missed, limit)
    slots = tuple(next_run + (missed - kept + k) * interval for k in range(kept))
    return Due(slots, missed - kept, next_run + missed * interval)


def _cron_due(crontab: str, next_run: dt.datetime, now: dt.datetime, limit: int) -> Due:
    # Walk back from now: a month of a per-minute crontab is never iterated in full.
    back = croniter(crontab, now + dt.timedelta(microseconds=1))
    slots: list[dt.datetime] = []
    while len(slots) <= limit:
        slot = back.get_prev(dt.datetime).replace(fold=0)
        if slot < next_run:
            break
        slots.append(slot)
    kept = tuple(reversed(slots[:limit]))
    skipped = _cron_count(crontab, next_run, kept[0]) if len(slots) > limit else 0
    return Due(kept, skipped, _cron_next(crontab, now))


def _cron_count(crontab: str, start: dt.datetime, end: dt.datetime) -> int:
    """The crontab's slots in `[start, end)`, counted up to MAX_COUNTED."""
    forward = croniter(crontab, start - dt.timedelta(microseconds=1))
    counted = 0
    while counted < MAX_COUNTED and forward.get_next(dt.datetime) < end:
        counted += 1
    return counted


def _cron_next(crontab: str, after: dt.datetime) -> dt.datetime:
    found: dt.datetime = croniter(crontab, after).get_next(dt.datetime)
    return found
