from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mozdef.errors import ConfigError
from mozdef.ops.retention import expired, prune
from mozdef.store.base import IndexedDoc
from mozdef.store.tantivy import TantivyStore

TODAY = dt.date(2026, 12, 31)
NAMES = [
    "events-20261130",
    "events-20261201",
    "events-20261231",
    "alerts-202610",
    "alerts-202611",
    "vulns-20261120",
    "not-an-index",
]


def test_an_index_older_than_its_family_retention_expires() -> None:
    assert expired(NAMES, {"events": 30}, today=TODAY) == ["events-20261130"]


def test_a_month_expires_once_its_last_day_is_past_the_retention() -> None:
    assert expired(NAMES, {"alerts": 45}, today=TODAY) == ["alerts-202610"]


def test_the_star_covers_families_not_named() -> None:
    assert expired(NAMES, {"events": 0, "*": 30}, today=TODAY) == [
        "alerts-202610",
        "alerts-202611",
        "vulns-20261120",
    ]


def test_zero_days_keeps_forever() -> None:
    assert expired(NAMES, {"events": 0}, today=TODAY) == []


def test_a_negative_retention_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match=r"retention\.events"):
        expired(NAMES, {"events": -1}, today=TODAY)


def event(day: str) -> dict[str, str]:
    return {"utctimestamp": f"{day}T10:00:00+00:00"}


@pytest.fixture
def store(tmp_path: Path) -> TantivyStore:
    opened = TantivyStore(tmp_path / "store", writer_heap_bytes=60_000_000, writer_threads=1)
    opened.index([IndexedDoc("old", event("2026-11-01")), IndexedDoc("new", event("2026-12-30"))])
    opened.commit()
    return opened


def test_prune_drops_the_expired_days(store: TantivyStore) -> None:
    dropped = prune(store, {"events": 30}, today=TODAY)

    assert (dropped, [info.name for info in store.indices()]) == (
        ["events-20261101"],
        ["events-20261230"],
    )


def test_prune_archives_before_dropping(store: TantivyStore, tmp_path: Path) -> None:
    prune(store, {"events": 30}, today=TODAY, archive_to=tmp_path / "archives")

    assert [path.name for path in (tmp_path / "archives").iterdir()] == ["events-20261101.tar.zst"]


def test_prune_keeps_an_index_whose_archive_fails(store: TantivyStore, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")

    dropped = prune(store, {"events": 30}, today=TODAY, archive_to=blocker)

    assert (dropped, len(store.indices())) == ([], 2)
