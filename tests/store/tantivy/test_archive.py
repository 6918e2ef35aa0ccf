"""Archives: one compressed file per day, restored only when whole and unchanged."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
import zstandard

from mozdef.errors import ArchiveError
from mozdef.query.tree import MatchAll
from mozdef.store.base import SearchRequest
from mozdef.store.tantivy import TantivyStore
from tests.store.tantivy.conftest import ids

DAY = "events-20261201"
REQUEST = SearchRequest(index=DAY, aggs={"b": {"sum": {"field": "details.bytes"}}})


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` with its checksum, to see that nothing changed."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.endswith(".lock")
    }


def members(archive: Path) -> dict[str, bytes]:
    found = {}
    with (
        archive.open("rb") as raw,
        zstandard.ZstdDecompressor().stream_reader(raw) as decompressed,
        tarfile.open(fileobj=decompressed, mode="r|") as tar,
    ):
        for member in tar:
            handle = tar.extractfile(member)
            assert handle is not None
            found[member.name] = handle.read()
    return found


def rewrite(archive: Path, change: Any) -> None:
    """Rewrite `archive` with `change(name, data) -> (name, data) | None` applied to members."""
    changed = [change(name, data) for name, data in members(archive).items()]
    with (
        archive.open("wb") as raw,
        zstandard.ZstdCompressor().stream_writer(raw) as compressed,
        tarfile.open(fileobj=compressed, mode="w|") as tar,
    ):
        for name, data in (member for member in changed if member is not None):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_archive_is_one_compressed_file_with_a_manifest(
    fresh: TantivyStore, tmp_path: Path
) -> None:
    archive = fresh.archive(DAY, tmp_path / "archives")
    found = members(archive)

    manifest = json.loads(found["manifest.json"])
    assert (archive.name, manifest["format"], manifest["index"], manifest["docs"]) == (
        "events-20261201.tar.zst",
        1,
        DAY,
        2,
    )
    assert {f"{DAY}/{entry['name']}" for entry in manifest["files"]} == set(found) - {
        "manifest.json"
    }


def test_archive_then_restore_gives_the_same_answers(fresh: TantivyStore, tmp_path: Path) -> None:
    before = fresh.search(REQUEST)
    archive = fresh.archive(DAY, tmp_path)
    fresh.drop(DAY)

    name = fresh.restore(archive)

    assert (name, fresh.search(REQUEST)) == (DAY, before)


def test_the_live_index_stays_after_archiving(fresh: TantivyStore, tmp_path: Path) -> None:
    fresh.archive(DAY, tmp_path)

    assert ids(fresh, MatchAll(), index=DAY) == ["c1", "c2"]


def test_restore_over_a_live_index_is_refused(fresh: TantivyStore, tmp_path: Path) -> None:
    archive = fresh.archive(DAY, tmp_path)

    with pytest.raises(ArchiveError, match="already exists"):
        fresh.restore(archive)


def test_restore_with_replace_swaps_the_live_index(fresh: TantivyStore, tmp_path: Path) -> None:
    archive = fresh.archive(DAY, tmp_path)

    assert fresh.restore(archive, replace=True) == DAY
    assert ids(fresh, MatchAll(), index=DAY) == ["c1", "c2"]


def damage_flip_byte(archive: Path) -> None:
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))


def damage_truncate(archive: Path) -> None:
    archive.write_bytes(archive.read_bytes()[:-200])


def damage_manifest_count(archive: Path) -> None:
    def change(name: str, data: bytes) -> tuple[str, bytes]:
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["docs"] = 3
            data = json.dumps(manifest).encode()
        return name, data

    rewrite(archive, change)


def damage_one_file(archive: Path) -> None:
    rewrite(archive, lambda name, data: (name, data + b"x" if name.endswith(".store") else data))


def damage_drop_manifest(archive: Path) -> None:
    rewrite(archive, lambda name, data: None if name == "manifest.json" else (name, data))


def damage_escape_path(archive: Path) -> None:
    rewrite(archive, lambda name, data: (name.replace(f"{DAY}/", "../"), data))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (damage_flip_byte, "cannot be read"),
        (damage_truncate, "cannot be read"),
        (damage_manifest_count, "manifest says 3"),
        (damage_one_file, "checksum mismatch"),
        (damage_drop_manifest, "no manifest.json"),
        (damage_escape_path, "unexpected member"),
    ],
)
def test_a_damaged_archive_is_refused_and_the_store_is_untouched(
    fresh: TantivyStore, tmp_path: Path, damage: Any, message: str
) -> None:
    archive = fresh.archive(DAY, tmp_path / "archives")
    damage(archive)
    before = snapshot(fresh.path)

    with pytest.raises(ArchiveError, match=message) as raised:
        fresh.restore(archive, replace=True)

    assert str(archive) in str(raised.value)
    assert snapshot(fresh.path) == before
