"""Archives in S3-compatible storage, against a local S3 server (moto's), with a real
TantivyStore: archive, drop, restore, damaged objects, retention, and the errors."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from mozdef.config.settings import S3Settings
from mozdef.errors import ArchiveError, ConfigError
from mozdef.ops.archive_target import ArchiveTarget, FolderTarget, fetched
from mozdef.ops.retention import prune
from mozdef.ops.s3 import S3Archives, S3Location
from mozdef.store.base import IndexedDoc, SearchRequest
from mozdef.store.tantivy import TantivyStore

if TYPE_CHECKING:
    from tests.aws_server import AwsServer

pytest_plugins = ("tests.aws_server",)

TODAY = dt.date(2026, 12, 31)
OLD = "events-20261101"
ARCHIVE = f"{OLD}.tar.zst"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[TantivyStore]:
    opened = TantivyStore(tmp_path / "store", writer_heap_bytes=60_000_000, writer_threads=1)
    stamp = "2026-11-01T10:00:00+00:00"
    opened.index([IndexedDoc(f"e{n}", {"utctimestamp": stamp, "summary": "old"}) for n in range(3)])
    opened.commit()
    yield opened
    opened.close()


def old_events(store: TantivyStore) -> int:
    return store.count(SearchRequest(index=OLD))


def target(aws: AwsServer, url: str, tmp_path: Path) -> ArchiveTarget:
    return ArchiveTarget.parse(url, aws.s3_settings(), staging=tmp_path / "staging")


def damage(aws: AwsServer, bucket: str, key: str, *, keep_metadata: bool) -> None:
    """Rewrite the object with one byte changed in its middle."""
    s3 = aws.s3()
    found = s3.get_object(Bucket=bucket, Key=key)
    data = bytearray(found["Body"].read())
    data[len(data) // 2] ^= 0xFF
    metadata = found["Metadata"] if keep_metadata else {}
    s3.put_object(Bucket=bucket, Key=key, Body=bytes(data), Metadata=metadata)


def test_an_index_archived_to_s3_is_searchable_again_after_restore(
    aws: AwsServer, store: TantivyStore, tmp_path: Path
) -> None:
    bucket = aws.bucket()
    where = target(aws, f"s3://{bucket}/archives/mozdef", tmp_path).archive(store, OLD)
    store.drop(OLD)

    with fetched(where, aws.s3_settings(), staging=tmp_path / "staging") as local:
        assert store.restore(local) == OLD
    assert where == f"s3://{bucket}/archives/mozdef/{ARCHIVE}"
    assert old_events(store) == 3
    assert list((tmp_path / "staging").iterdir()) == []


def test_a_damaged_object_is_refused_and_the_live_index_stays(
    aws: AwsServer, store: TantivyStore, tmp_path: Path
) -> None:
    bucket = aws.bucket()
    where = target(aws, f"s3://{bucket}", tmp_path).archive(store, OLD)
    damage(aws, bucket, ARCHIVE, keep_metadata=True)

    refused = rf"s3://{bucket}/{ARCHIVE}: damaged object, sha256"
    with (
        pytest.raises(ArchiveError, match=refused),
        fetched(where, aws.s3_settings(), staging=tmp_path) as local,
    ):
        store.restore(local, replace=True)
    assert old_events(store) == 3


def test_a_damaged_object_without_a_checksum_is_refused_by_the_store(
    aws: AwsServer, store: TantivyStore, tmp_path: Path
) -> None:
    bucket = aws.bucket()
    where = target(aws, f"s3://{bucket}", tmp_path).archive(store, OLD)
    damage(aws, bucket, ARCHIVE, keep_metadata=False)

    with pytest.raises(ArchiveError), fetched(where, aws.s3_settings(), staging=tmp_path) as local:
        store.restore(local, replace=True)
    assert old_events(store) == 3


def test_prune_archives_to_s3_before_dropping(
    aws: AwsServer, store: TantivyStore, tmp_path: Path
) -> None:
    archives = target(aws, f"s3://{aws.bucket()}/retention", tmp_path)

    dropped = prune(store, {"events": 30}, today=TODAY, archive_to=archives)

    assert (dropped, archives.list(), archives.exists(ARCHIVE)) == ([OLD], [ARCHIVE], True)
    assert store.indices() == []


def test_prune_keeps_an_index_whose_bucket_does_not_exist(
    aws: AwsServer, store: TantivyStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = aws.unique_name("missing")
    archives = target(aws, f"s3://{missing}/retention", tmp_path)

    with caplog.at_level(logging.ERROR):
        assert prune(store, {"events": 30}, today=TODAY, archive_to=archives) == []
    assert old_events(store) == 3
    [record] = caplog.records
    assert f"s3://{missing}/retention/{ARCHIVE}: the bucket does not exist" in str(
        record.__dict__["mozdef_fields"]["error"]
    )


def test_a_missing_object_is_named_in_the_error(aws: AwsServer, tmp_path: Path) -> None:
    bucket = aws.bucket()
    with (
        pytest.raises(ArchiveError, match=rf"s3://{bucket}/{ARCHIVE}: no such object"),
        fetched(f"s3://{bucket}/{ARCHIVE}", aws.s3_settings()),
    ):
        pass


def test_without_credentials_the_error_says_so(
    aws: AwsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    archive = tmp_path / ARCHIVE
    archive.write_bytes(b"data")
    archives = S3Archives(S3Location("some-bucket"), aws.s3_settings())

    with pytest.raises(ArchiveError, match=rf"s3://some-bucket/{ARCHIVE}: no AWS credentials"):
        archives.upload(archive)


def test_an_unreachable_endpoint_is_named_in_the_error(tmp_path: Path) -> None:
    archive = tmp_path / ARCHIVE
    archive.write_bytes(b"data")
    archives = S3Archives(S3Location("some-bucket"), S3Settings(endpoint_url="http://127.0.0.1:9"))

    with pytest.raises(ArchiveError, match=r"cannot reach http://127\.0\.0\.1:9"):
        archives.upload(archive)


def test_exists_and_list_see_only_the_objects_under_the_prefix(
    aws: AwsServer, tmp_path: Path
) -> None:
    bucket = aws.bucket()
    for key in ("a/events-20261101.tar.zst", "a/events-20261102.tar.zst", "a/b/x", "c"):
        aws.s3().put_object(Bucket=bucket, Key=key, Body=b"x")
    archives = S3Archives(S3Location(bucket, "a"), aws.s3_settings())

    assert archives.list() == ["events-20261101.tar.zst", "events-20261102.tar.zst"]
    assert (archives.exists("events-20261102.tar.zst"), archives.exists("c")) == (True, False)


def test_a_folder_target_archives_into_the_folder(store: TantivyStore, tmp_path: Path) -> None:
    folder = ArchiveTarget.parse(str(tmp_path / "archives"))

    where = folder.archive(store, OLD)

    assert isinstance(folder, FolderTarget)
    assert (where, folder.list()) == (str(tmp_path / "archives" / ARCHIVE), [ARCHIVE])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s3://", "a bucket name"),
        ("s3://Bad_Bucket/x", "a bucket name"),
        ("", "a folder or s3://bucket/prefix"),
    ],
)
def test_a_bad_archive_location_is_a_configuration_error(text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        ArchiveTarget.parse(text, S3Settings())


def test_an_s3_location_names_its_objects() -> None:
    location = S3Location.parse("s3://bucket/some/prefix/")
    assert (location.bucket, location.key("f"), str(location)) == (
        "bucket",
        "some/prefix/f",
        "s3://bucket/some/prefix",
    )
    assert S3Location.of_object("s3://bucket/p/f.tar.zst") == (
        S3Location("bucket", "p"),
        "f.tar.zst",
    )
