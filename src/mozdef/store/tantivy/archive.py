"""One daily index as one compressed file, and back.

An archive is a tar stream compressed with zstandard, holding the index files
under `<name>/` and a `manifest.json` (format version, index name, document
count, creation time, and each file's size and sha256). Restoring extracts into
a temporary folder inside the store, checks the manifest, every checksum and that
tantivy opens the index with the recorded count, and only then renames the folder
into place: a damaged archive leaves the live store as it was.

Archive days that no longer receive events (retention does): a merge running
while a live day is archived can remove a file in mid-read, which fails the
archive with ArchiveError rather than writing an incomplete one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import shutil
import tarfile
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import tantivy
import zstandard

from mozdef.errors import ArchiveError
from mozdef.store import naming

FORMAT = 1
MANIFEST = "manifest.json"
SUFFIX = ".tar.zst"
_SKIPPED = frozenset({".tantivy-writer.lock", ".tantivy-meta.lock"})


def write_archive(folder: Path, name: str, destination: Path, *, docs: int) -> Path:
    """Write index `folder` (named `name`, holding `docs` documents) into `destination`."""
    target = destination / f"{name}{SUFFIX}"
    partial = destination / f".{name}{SUFFIX}.{uuid.uuid4().hex}.partial"
    try:
        destination.mkdir(parents=True, exist_ok=True)
        files = _describe(folder)
        manifest = _manifest(name, docs, files)
        with (
            partial.open("wb") as raw,
            zstandard.ZstdCompressor(level=3, write_checksum=True).stream_writer(raw) as compressed,
            tarfile.open(fileobj=compressed, mode="w|") as tar,
        ):
            for entry in files:
                tar.add(folder / entry["name"], arcname=f"{name}/{entry['name']}")
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
        partial.replace(target)
    except OSError as error:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise ArchiveError(f"archive of {name} into {target} failed: {error}") from error
    return target


def restore_archive(
    archive: Path,
    store: Path,
    *,
    replace: bool,
    before_swap: Callable[[str], None],
) -> str:
    """Check `archive` completely, then put its index into `store`; returns its name."""
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=store))
    try:
        manifest = _extract(archive, staging)
        name = _check(archive, staging, manifest)
        live = store / name
        if live.exists() and not replace:
            raise ArchiveError(
                f"{archive}: index {name} already exists; drop it or restore with replace=True"
            )
        before_swap(name)
        _swap(staging / name, live)
        return name
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _describe(folder: Path) -> list[dict[str, Any]]:
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name not in _SKIPPED)
    return [{"name": p.name, "size": p.stat().st_size, "sha256": _sha256(p)} for p in files]


def _manifest(name: str, docs: int, files: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "index": name,
        "docs": docs,
        "created": dt.datetime.now(dt.UTC).isoformat(),
        "files": files,
    }


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _extract(archive: Path, staging: Path) -> dict[str, Any]:
    """Unpack `archive` into `staging`; returns the manifest. Refuses odd members."""
    manifest: dict[str, Any] | None = None
    try:
        with (
            archive.open("rb") as raw,
            zstandard.ZstdDecompressor().stream_reader(raw) as decompressed,
            tarfile.open(fileobj=decompressed, mode="r|") as tar,
        ):
            for member in tar:
                handle = _member_file(archive, tar, member)
                if member.name == MANIFEST:
                    manifest = json.loads(handle.read())
                else:
                    _write_member(archive, staging, member.name, handle)
    except (OSError, ValueError, tarfile.TarError, zstandard.ZstdError) as error:
        raise ArchiveError(f"{archive}: cannot be read ({error})") from error
    if not isinstance(manifest, dict):
        raise ArchiveError(f"{archive}: no {MANIFEST} in the archive")
    return manifest


def _member_file(archive: Path, tar: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    if not member.isfile():
        raise ArchiveError(f"{archive}: member {member.name!r} is not a regular file")
    handle = tar.extractfile(member)
    if handle is None:
        raise ArchiveError(f"{archive}: member {member.name!r} cannot be read")
    return handle


def _write_member(archive: Path, staging: Path, member: str, handle: IO[bytes]) -> None:
    parts = member.split("/")
    if len(parts) != 2 or naming.parse(parts[0]) is None or parts[1] in ("", ".", ".."):
        raise ArchiveError(f"{archive}: unexpected member {member!r}")
    (staging / parts[0]).mkdir(exist_ok=True)
    with (staging / parts[0] / parts[1]).open("wb") as out:
        shutil.copyfileobj(handle, out, 1 << 20)


def _check(archive: Path, staging: Path, manifest: dict[str, Any]) -> str:
    """The index name, once the manifest, the files and the index itself agree."""
    name = manifest.get("index")
    if manifest.get("format") != FORMAT or not isinstance(name, str) or not naming.parse(name):
        raise ArchiveError(f"{archive}: manifest has no known format and index name")
    folder = staging / name
    entries = manifest.get("files")
    if not isinstance(entries, list) or not all(_is_entry(entry) for entry in entries):
        raise ArchiveError(f"{archive}: manifest files are not a list of names and checksums")
    listed = {entry["name"]: entry for entry in entries}
    present = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
    if present != set(listed):
        missing = sorted(set(listed) ^ present)
        raise ArchiveError(f"{archive}: files differ from the manifest: {', '.join(missing)}")
    for file_name, entry in listed.items():
        if _sha256(folder / file_name) != entry.get("sha256"):
            raise ArchiveError(f"{archive}: checksum mismatch for {name}/{file_name}")
    _check_index(archive, folder, manifest.get("docs"))
    return name


def _is_entry(entry: Any) -> bool:
    return isinstance(entry, dict) and all(
        isinstance(entry.get(k), str) for k in ("name", "sha256")
    )


def _check_index(archive: Path, folder: Path, docs: object) -> None:
    try:
        found = tantivy.Index.open(str(folder)).searcher().num_docs
    except ValueError as error:
        raise ArchiveError(f"{archive}: tantivy cannot open the index ({error})") from error
    if found != docs:
        raise ArchiveError(f"{archive}: the index holds {found} documents, manifest says {docs}")


def _swap(incoming: Path, live: Path) -> None:
    old = live.with_name(f".old-{live.name}-{uuid.uuid4().hex}")
    if live.exists():
        live.rename(old)
    incoming.rename(live)
    shutil.rmtree(old, ignore_errors=True)
