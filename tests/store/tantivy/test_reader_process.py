"""A reader in another process sees new commits within about a second while writes go on."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mozdef.store.base import IndexedDoc
from tests.store.tantivy.conftest import open_store

READER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from mozdef.query.tree import Term
    from mozdef.store.base import SearchRequest
    from mozdef.store.tantivy import TantivyStore

    store = TantivyStore(Path(sys.argv[1]), writer=False)
    print("ready", flush=True)
    request = SearchRequest(query=Term("id", "marker"), index="events-*")
    deadline = time.monotonic() + 20
    while store.count(request) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    print(time.monotonic(), flush=True)
    """
)


def batch(start: int, day: str = "2026-12-03") -> list[IndexedDoc]:
    stamp = f"{day}T11:00:00+00:00"
    return [
        IndexedDoc(f"d{n}", {"utctimestamp": stamp, "summary": f"event {n}"})
        for n in range(start, start + 500)
    ]


@pytest.mark.parametrize("marker_day", ["2026-12-03", "2026-12-04"], ids=["same-day", "new-day"])
def test_reader_in_another_process_sees_a_commit_within_two_seconds(
    tmp_path: Path, marker_day: str
) -> None:
    store = open_store(tmp_path)
    store.index(batch(0))
    store.commit()
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert reader.stdout is not None and reader.stdout.readline().strip() == "ready"

    # The marker lands in the open day or in a new day's index; writing goes on.
    store.index([IndexedDoc("marker", {"utctimestamp": f"{marker_day}T01:00:00+00:00"})])
    store.commit()
    committed = time.monotonic()
    for round_ in range(1, 20):
        store.index(batch(round_ * 500))
        store.commit()
        time.sleep(0.1)
    seen = float(reader.stdout.readline())
    reader.wait(timeout=20)
    store.close()

    assert seen - committed < 2.0
