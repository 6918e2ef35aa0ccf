"""`mozdef indices archive | restore | prune` with `s3://` locations, against a local S3
server (moto's), the endpoint given as MOZDEF_S3_ENDPOINT_URL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import pytest

from mozdef.cli import main

if TYPE_CHECKING:
    from tests.aws_server import AwsServer

pytest_plugins = ("tests.aws_server",)

OLD_EVENT = {"timestamp": "2026-01-15T10:00:00+00:00", "hostname": "old1", "summary": "kept"}
QUERY = ["search", "hostname:old1", "--since", "2026-01-15", "--until", "2026-01-16"]


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """`main` points the root logger at the stderr of the moment, which pytest closes."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def data(aws: AwsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A data folder holding one event of 2026-01-15, with S3 on the local server."""
    monkeypatch.setenv("MOZDEF_S3_ENDPOINT_URL", aws.url)
    events = tmp_path / "e.ndjson"
    events.write_bytes(orjson.dumps(OLD_EVENT) + b"\n")
    options = ["--data-dir", str(tmp_path / "data")]
    assert main(["ingest", str(events), *options]) == 0
    return options


def found(capsys: pytest.CaptureFixture[str], data: list[str]) -> str:
    capsys.readouterr()
    main([*QUERY, *data])
    return capsys.readouterr().err.strip()


def test_indices_archive_to_s3_then_restore_from_s3(
    aws: AwsServer, data: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    bucket = aws.bucket()
    capsys.readouterr()

    assert main(["indices", "archive", "2026-01-15", "--to", f"s3://{bucket}/arch", *data]) == 0
    where = capsys.readouterr().out.strip()
    assert main(["indices", "drop", "20260115", *data]) == 0
    assert found(capsys, data).endswith("0 events")
    assert main(["indices", "restore", where, *data]) == 0

    assert where == f"s3://{bucket}/arch/events-20260115.tar.zst"
    assert found(capsys, data).endswith("1 events")


def test_indices_prune_archives_to_s3_first(
    aws: AwsServer,
    data: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bucket = aws.bucket()
    monkeypatch.setenv("MOZDEF_RETENTION_EVENTS_DAYS", "30")
    monkeypatch.setenv("MOZDEF_RETENTION_ARCHIVE_FOLDER", f"s3://{bucket}/retention")
    capsys.readouterr()

    assert main(["indices", "prune", *data]) == 0

    assert capsys.readouterr().out.splitlines() == ["dropped events-20260115"]
    listed = aws.s3().list_objects_v2(Bucket=bucket)["Contents"]
    assert [item["Key"] for item in listed] == ["retention/events-20260115.tar.zst"]


def test_restore_of_a_missing_s3_object_fails_with_its_name(
    aws: AwsServer, data: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    bucket = aws.bucket()
    capsys.readouterr()

    assert main(["indices", "restore", f"s3://{bucket}/nothing.tar.zst", *data]) == 2

    assert f"s3://{bucket}/nothing.tar.zst: no such object" in capsys.readouterr().err
