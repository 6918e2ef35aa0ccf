"""How long a page of incidents takes among 10,000 on SQLite; printed, not asserted
(run with -s to see it)."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import insert

from mozdef.appdb import AppDb
from mozdef.incidents import CasePage, IncidentStore
from mozdef.incidents.tables import incident_veris, incidents

COUNT = 10_000
LISTS = "techniques theories timeline mitigations lessons notes references indicators alerts events"
TAGS = (
    ("action", "action.hacking", "action.hacking.variety", "action.hacking.variety.Brute force"),
    ("action", "action.social", "action.social.variety", "action.social.variety.Phishing"),
)


def _rows(start: dt.datetime) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    rows: list[dict[str, Any]] = []
    tags: list[dict[str, str]] = []
    for number in range(COUNT):
        nodes = TAGS[number % 2]
        at = start + dt.timedelta(minutes=number)
        rows.append(
            {
                "id": f"{number:032x}",
                "summary": f"incident {number} on host{number % 97}",
                "description": "",
                "phase": ("identification", "containment", "recovery")[number % 3],
                "status": "closed" if number % 4 else "open",
                "creator": "alice",
                "assignee": f"user{number % 20}",
                "opened": at,
                "veris": orjson.dumps(
                    [{"id": "t", "by": "alice", "at": None, "path": nodes[-1]}]
                ).decode(),
                **{name: "[]" for name in LISTS.split()},
                "versions": "{}",
                "updated": at,
            }
        )
        tags.extend({"incident_id": f"{number:032x}", "node": node} for node in nodes)
    return rows, tags


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> IncidentStore:
    db = AppDb(f"sqlite:///{tmp_path_factory.mktemp('speed') / Path('mozdef.db')}")
    rows, tags = _rows(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with db.begin() as connection:
        connection.execute(insert(incidents), rows)
        connection.execute(insert(incident_veris), tags)
    return IncidentStore(db)


def _median_ms(run: Callable[[], CasePage]) -> tuple[float, CasePage]:
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        page = run()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), page


@pytest.mark.parametrize(
    ("name", "filters", "total"),
    [
        ("first page", {}, COUNT),
        ("open", {"status": "open"}, 2500),
        ("phase and assignee", {"phase": "containment", "assignee": "user7"}, 167),
        ("veris group", {"veris_prefix": "action.hacking"}, 5000),
        ("text", {"text": "host13 "}, 103),
        ("deep page", {"offset": 9_950}, COUNT),
    ],
)
def test_a_page_of_10000_incidents_comes_quickly(
    crowded: IncidentStore, name: str, filters: dict[str, Any], total: int
) -> None:
    ms, page = _median_ms(lambda: crowded.list(limit=50, **filters))

    print(f"\nincidents.list {name}: {ms:.1f} ms for {len(page.cases)} of {page.total}")
    assert page.total == total
    assert len(page.cases) == min(50, total)
