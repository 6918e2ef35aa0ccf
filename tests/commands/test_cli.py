"""The `mozdef` commands that work without a server: pipeline, ingest, search, indices."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import orjson
import pytest

from mozdef.cli import main
from tests.e2e.server import running

TODAY = dt.datetime.now(dt.UTC).replace(microsecond=0)
OLD_DAY = dt.datetime(2026, 1, 15, 10, 0, tzinfo=dt.UTC)


def ndjson(path: Path, events: Sequence[Mapping[str, object]]) -> Path:
    path.write_bytes(b"\n".join(orjson.dumps(e) for e in events) + b"\n")
    return path


def test_pipeline_prints_the_normalized_events(
    monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    line = b'{"@timestamp": "2026-12-03T10:00:00Z", "message": "hello", "host": "h1"}\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(line)))
    assert main(["pipeline"]) == 0
    event = orjson.loads(capsysbinary.readouterr().out)
    assert (event["summary"], event["hostname"]) == ("hello", "h1")
    assert event["utctimestamp"].startswith("2026-12-03T10:00:00")


def test_pipeline_reports_bad_lines_with_their_number(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = b'{"message": "ok"}\nnot json\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(lines)))
    assert main(["pipeline"]) == 1
    assert "<stdin>:2: invalid JSON" in capsys.readouterr().err


def test_ingest_then_search_finds_the_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = [
        {"timestamp": TODAY.isoformat(), "hostname": f"ing{n}", "summary": "x"} for n in range(3)
    ]
    data = ["--data-dir", str(tmp_path / "data")]
    assert main(["ingest", str(ndjson(tmp_path / "e.ndjson", events)), *data]) == 0
    assert "indexed=3" in capsys.readouterr().out
    assert main(["search", "hostname:ing*", "--since", "1d", "--json", *data]) == 0
    found = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(e["hostname"] for e in found) == ["ing0", "ing1", "ing2"]


def test_ingest_refuses_while_a_server_holds_the_store(tmp_path: Path) -> None:
    data = tmp_path / "data"
    events = ndjson(tmp_path / "e.ndjson", [{"summary": "x"}])
    with running(data):
        done = subprocess.run(
            [sys.executable, "-m", "mozdef.cli", "ingest", str(events), "--data-dir", str(data)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2
    assert "mozdef ingest:" in done.stderr and "held by another writer" in done.stderr


def test_search_syntax_error_names_the_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "hostname:(a", "--data-dir", str(tmp_path / "d")]) == 2
    assert "position" in capsys.readouterr().err


def test_indices_archive_drop_restore_round_trip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    event = {"timestamp": OLD_DAY.isoformat(), "hostname": "old1", "summary": "kept"}
    main(["ingest", str(ndjson(tmp_path / "e.ndjson", [event])), *data])
    query = ["search", "hostname:old1", "--since", "2026-01-15", "--until", "2026-01-16", *data]
    main(["indices", "list", *data])
    assert "events-20260115" in capsys.readouterr().out

    assert main(["indices", "archive", "2026-01-15", "--to", str(tmp_path / "arch"), *data]) == 0
    archive = Path(capsys.readouterr().out.strip())
    assert main(["indices", "drop", "20260115", *data]) == 0
    capsys.readouterr()
    main(query)
    assert "0 events" in capsys.readouterr().err

    assert main(["indices", "restore", str(archive), *data]) == 0
    capsys.readouterr()
    main(query)
    assert "1 events" in capsys.readouterr().err


def test_indices_prune_drops_days_past_retention(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    events = [
        {"timestamp": OLD_DAY.isoformat(), "summary": "old"},
        {"timestamp": TODAY.isoformat(), "summary": "new"},
    ]
    main(["ingest", str(ndjson(tmp_path / "e.ndjson", events)), *data])
    monkeypatch.setenv("MOZDEF_RETENTION_EVENTS_DAYS", "30")
    assert main(["indices", "prune", *data]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "dropped events-20260115"


def test_unknown_day_is_refused_with_the_expected_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["indices", "drop", "yesterday", "--data-dir", str(tmp_path / "d")]) == 2
    assert "a day as 20261203 or 2026-12-03" in capsys.readouterr().err
