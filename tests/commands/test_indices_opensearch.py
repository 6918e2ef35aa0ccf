"""`mozdef indices` on the OpenSearch store of the settings, against the test node."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from mozdef.cli import main
from mozdef.store.base import IndexedDoc, SearchRequest
from mozdef.store.opensearch import OpenSearchStore
from tests.store.conftest import fresh_prefix, opensearch_url

OLD = dt.datetime(2026, 1, 15, 10, 0, tzinfo=dt.UTC)
TODAY = dt.datetime.now(dt.UTC)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenSearchStore]:
    prefix = fresh_prefix()
    monkeypatch.setenv("MOZDEF_STORE", "opensearch")
    monkeypatch.setenv("MOZDEF_OPENSEARCH_URL", opensearch_url())
    monkeypatch.setenv("MOZDEF_STORE_OPENSEARCH_PREFIX", prefix)
    monkeypatch.setenv("MOZDEF_STORE_OPENSEARCH_REPLICAS", "0")
    opened = OpenSearchStore(opensearch_url(), prefix=prefix, replicas=0)
    docs = [
        IndexedDoc("old", {"utctimestamp": OLD.isoformat(), "summary": "kept"}),
        IndexedDoc("new", {"utctimestamp": TODAY.isoformat(), "summary": "fresh"}),
    ]
    assert opened.index(docs) == []
    opened.commit()
    yield opened
    for info in opened.indices():
        opened.drop(info.name)
    opened.close()


def old_count(store: OpenSearchStore) -> int:
    store.commit()  # forgets the names of indices it listed, which the command changed
    return store.count(SearchRequest(index="events-20260115"))


def test_list_archive_drop_restore_round_trip(
    store: OpenSearchStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    assert main(["indices", "list", *data]) == 0
    assert "events-20260115" in capsys.readouterr().out

    assert main(["indices", "archive", "2026-01-15", "--to", str(tmp_path / "arch"), *data]) == 0
    pointer = Path(capsys.readouterr().out.strip())
    assert main(["indices", "drop", "20260115", *data]) == 0
    assert old_count(store) == 0

    assert main(["indices", "restore", str(pointer), *data]) == 0
    assert capsys.readouterr().out.strip() == "events-20260115"
    assert old_count(store) == 1


def test_prune_drops_the_days_past_retention(
    store: OpenSearchStore,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MOZDEF_RETENTION_EVENTS_DAYS", "30")

    assert main(["indices", "prune", "--data-dir", str(tmp_path / "data")]) == 0

    assert capsys.readouterr().out.splitlines() == ["dropped events-20260115"]
    assert [info.name for info in store.indices()] == [f"events-{TODAY:%Y%m%d}"]


def test_replace_is_refused_on_opensearch(
    store: OpenSearchStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["indices", "restore", str(tmp_path / "x.json"), "--replace"]

    assert main([*args, "--data-dir", str(tmp_path / "data")]) == 2
    assert "drop the index first" in capsys.readouterr().err
