"""Incident metrics over time, read from the application database.

Incidents are grouped by the UTC month or ISO week (from Monday) in which they were
`opened`; the window's start is moved back to the start of its period so that the
first period is whole. One SQL query (SQLAlchemy Core, the same on SQLite and
PostgreSQL) reads the incidents opened in the window, the latest MAX_ROWS of them
(`truncated` says when there were more), and one more reads the `closed` dates in
the window; everything else is computed here.

Durations follow MozDef's incident dates, each measured from `opened`, which the
handlers set to when the incident began (it defaults to when it was recorded):

    detect    reported  - opened    how long until someone reported it
    verify    verified  - opened    until it was confirmed as an incident
    contain   contained - opened
    mitigate  mitigated - opened
    close     closed    - opened

An incident without the later date does not count for that duration; a negative one
is counted apart (see mozdef.metrics.durations). Durations are in seconds, summed up
per period over the incidents opened in it (a cohort: an incident opened in March
and closed in May counts for March's `close`).

The answer (`/api/v1/metrics/incidents`):

    {"start": "2026-01-01T00:00:00.000+00:00", "end": "...", "interval": "month",
     "opened": 14, "closed": 9, "truncated": false,
     "durations": {"detect": {"count": 12, "median": 5400.0, "p90": 86400.0,
                              "negative": 0}, "verify": {...}, "contain": {...},
                   "mitigate": {...}, "close": {...}},
     "buckets": [{"start": "2026-01-01T00:00:00.000+00:00",
                  "opened": 3,          # opened in the period
                  "closed": 2,          # closed in the period (whenever opened)
                  "durations": {...},   # of the incidents opened in the period
                  "veris": {"action.hacking": 2},
                  "techniques": {"T1110": 1},
                  "tactics": {"credential-access": 1}}, ...],
     "by_veris": [{"group": "action.hacking", "incidents": 5}, ...],
     "by_technique": [{"technique": "T1110", "name": "Brute Force", "incidents": 3}],
     "by_tactic": [{"tactic": "credential-access", "id": "TA0006",
                    "name": "Credential Access", "incidents": 3}, ...],
     "untactical": ["T1690"]}

VERIS groups are a tag's first two levels (`action.hacking.variety.Brute force` is in
`action.hacking`), or its first level for the few two-level values
(`security_incident.Confirmed` is in `security_incident`); an incident counts once per
group, once per technique as tagged (a sub-technique such as T1110.001 apart from
T1110) and once per tactic of those techniques (mozdef.incidents.attack: ATT&CK
Enterprise 18.1, a sub-technique taking its parent's tactics). `by_tactic` lists the
tactics in ATT&CK's order, those without incidents too; `untactical` names the tagged
techniques that table does not know (added to ATT&CK after it), which count for no
tactic.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import RowMapping, select

from mozdef.appdb.db import AppDb
from mozdef.incidents import attack, veris
from mozdef.incidents.tables import incidents
from mozdef.metrics.durations import summary
from mozdef.metrics.periods import PERIODS, Period, period_start, period_starts
from mozdef.metrics.window import MetricsParameterError, Window, iso

MAX_ROWS = 50_000
MAX_PERIODS = 520
DURATIONS = {
    "detect": "reported",
    "verify": "verified",
    "contain": "contained",
    "mitigate": "mitigated",
    "close": "closed",
}
_DATES = ("opened", *DURATIONS.values())


@dataclass(frozen=True)
class OpenedIncident:
    """What one incident opened in the window adds to the metrics."""

    dates: Mapping[str, dt.datetime | None]
    veris_groups: frozenset[str]
    techniques: frozenset[str]

    def seconds(self, name: str) -> float | None:
        """The duration `name` of DURATIONS, or None when its date is not set."""
        later = self.dates[DURATIONS[name]]
        opened = self.dates["opened"]
        return None if later is None or opened is None else (later - opened).total_seconds()


def period(raw: str | None) -> Period:
    """The grouping `raw` names, month by default."""
    value = (raw or "month").strip().lower()
    for known in PERIODS:
        if value == known:
            return known
    expected = f"expected one of {', '.join(PERIODS)}, found {raw!r}"
    raise MetricsParameterError("interval", expected)


def incident_metrics(
    db: AppDb, window: Window, *, by: Period = "month", limit: int = MAX_ROWS
) -> dict[str, Any]:
    """The answer described in the module docstring."""
    start = period_start(window.start, by)
    starts = period_starts(start, window.end, by)
    if len(starts) > MAX_PERIODS:
        reason = f"the window holds {len(starts)} {by}s, more than {MAX_PERIODS}"
        raise MetricsParameterError("start", reason)
    whole = Window(start, window.end)
    opened, truncated = read_opened(db, whole, limit=limit)
    closed = read_closed(db, whole, limit=limit)
    return {
        "start": iso(whole.start),
        "end": iso(whole.end),
        "interval": by,
        "opened": len(opened),
        "closed": len(closed),
        "truncated": truncated,
        "durations": _durations(opened),
        "buckets": _buckets(starts, by, opened, closed),
        "by_veris": _ranked(_groups(opened), "group"),
        "by_technique": _techniques(opened),
        "by_tactic": _by_tactic(opened),
        "untactical": sorted(
            {t for incident in opened for t in incident.techniques if not attack.tactics_of(t)}
        ),
    }


def read_opened(db: AppDb, window: Window, *, limit: int) -> tuple[list[OpenedIncident], bool]:
    """The incidents opened in `window`, the latest `limit`, and whether there were more."""
    columns = [incidents.c[name] for name in (*_DATES, "veris", "techniques")]
    query = (
        select(*columns)
        .where(incidents.c.opened >= window.start, incidents.c.opened < window.end)
        .order_by(incidents.c.opened.desc())
        .limit(limit + 1)
    )
    with db.begin() as connection:
        rows = connection.execute(query).all()
    return [_incident(row._mapping) for row in rows[:limit]], len(rows) > limit


def read_closed(db: AppDb, window: Window, *, limit: int) -> list[dt.datetime]:
    """The `closed` dates in `window`, the latest `limit`."""
    closed = incidents.c.closed
    query = (
        select(closed)
        .where(closed >= window.start, closed < window.end)
        .order_by(closed.desc())
        .limit(limit)
    )
    with db.begin() as connection:
        return [moment for (moment,) in connection.execute(query).all()]


def veris_group(path: str) -> str:
    parts = path.split(".")
    return ".".join(parts[: min(2, len(parts) - 1)]) if len(parts) > 1 else path


def _incident(row: RowMapping) -> OpenedIncident:
    tags = orjson.loads(row["veris"] or "[]")
    techniques = orjson.loads(row["techniques"] or "[]")
    return OpenedIncident(
        dates={name: row[name] for name in _DATES},
        veris_groups=frozenset(veris_group(str(tag["path"])) for tag in tags),
        techniques=frozenset(str(tag["technique"]) for tag in techniques),
    )


def _buckets(
    starts: Sequence[dt.datetime],
    by: Period,
    opened: Sequence[OpenedIncident],
    closed: Sequence[dt.datetime],
) -> list[dict[str, Any]]:
    cohorts: dict[dt.datetime, list[OpenedIncident]] = {start: [] for start in starts}
    for incident in opened:
        moment = incident.dates["opened"]
        assert moment is not None  # the column is NOT NULL
        cohorts[period_start(moment, by)].append(incident)
    closings = Counter(period_start(moment, by) for moment in closed)
    return [
        {
            "start": iso(start),
            "opened": len(cohorts[start]),
            "closed": closings[start],
            "durations": _durations(cohorts[start]),
            "veris": dict(sorted(_groups(cohorts[start]).items())),
            "techniques": dict(sorted(_technique_counts(cohorts[start]).items())),
            "tactics": dict(sorted(_tactic_counts(cohorts[start]).items())),
        }
        for start in starts
    ]


def _durations(opened: Sequence[OpenedIncident]) -> dict[str, Any]:
    return {name: summary(_seconds(opened, name)) for name in DURATIONS}


def _seconds(opened: Iterable[OpenedIncident], name: str) -> list[float]:
    measured = (incident.seconds(name) for incident in opened)
    return [seconds for seconds in measured if seconds is not None]


def _groups(opened: Iterable[OpenedIncident]) -> Counter[str]:
    return Counter(group for incident in opened for group in incident.veris_groups)


def _technique_counts(opened: Iterable[OpenedIncident]) -> Counter[str]:
    return Counter(technique for incident in opened for technique in incident.techniques)


def _tactic_counts(opened: Iterable[OpenedIncident]) -> Counter[str]:
    return Counter(
        tactic
        for incident in opened
        for tactic in {
            found.short_name
            for technique in incident.techniques
            for found in attack.tactics_of(technique)
        }
    )


def _by_tactic(opened: Iterable[OpenedIncident]) -> list[dict[str, Any]]:
    counts = _tactic_counts(opened)
    return [
        {
            "tactic": tactic.short_name,
            "id": tactic.id,
            "name": tactic.name,
            "incidents": counts[tactic.short_name],
        }
        for tactic in attack.tactics()
    ]


def _techniques(opened: Iterable[OpenedIncident]) -> list[dict[str, Any]]:
    return [
        {"technique": entry["technique"], "name": _technique_name(entry["technique"]), **entry}
        for entry in _ranked(_technique_counts(opened), "technique")
    ]


def _technique_name(technique_id: str) -> str:
    known = veris.technique(technique_id)
    return known.name if known else ""


def _ranked(counts: Counter[str], key: str) -> list[dict[str, Any]]:
    """Most incidents first, ties by name."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{key: name, "incidents": count} for name, count in ordered]
