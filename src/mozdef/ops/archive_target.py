"""Where archives go: a local folder or an S3 location, behind one small interface.

An event store writes an archive into a local folder (`EventStore.archive`) and
restores one from a local file; the S3 step goes around those calls, so stores
know nothing of S3. Archiving to S3 lets the store write into a temporary staging
folder, uploads the file, checks the stored object, and removes the local copy.
Restoring an `s3://` archive downloads and checks it into a staging folder first,
then hands the store that local file, whose own checks run as for any archive.

OpenSearch archives are snapshots in the nodes' filesystem repository plus a small
pointer file: with an S3 target only the pointer goes to S3, while the snapshot
data stays in the repository folder (`path.repo`) on the nodes. Keeping the data
itself in S3 would need OpenSearch's repository-s3 plugin, which is not set up here.
"""

from __future__ import annotations

import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mozdef.config.settings import S3Settings
from mozdef.errors import ArchiveError, ConfigError
from mozdef.ops.s3 import S3Archives, S3Location, is_s3
from mozdef.store.base import EventStore


class ArchiveTarget(ABC):
    """A place that holds archive files, one per index."""

    @staticmethod
    def parse(
        text: str, s3: S3Settings | None = None, *, staging: Path | None = None
    ) -> ArchiveTarget:
        """A folder, or `s3://bucket/prefix` reached with `s3`; `staging` is the local
        folder that holds an archive on its way (default: the system's temporary one)."""
        if not text.strip():
            raise ConfigError("archive location", text, "a folder or s3://bucket/prefix")
        if is_s3(text):
            return S3Target(S3Archives(S3Location.parse(text), s3 or S3Settings()), staging)
        return FolderTarget(Path(text))

    @abstractmethod
    def archive(self, store: EventStore, name: str) -> str:
        """Archive index `name` of `store` here; returns where the archive is."""

    @abstractmethod
    def exists(self, file_name: str) -> bool: ...

    @abstractmethod
    def list(self) -> list[str]:
        """The archive files held here, in name order."""


@dataclass(frozen=True)
class FolderTarget(ArchiveTarget):
    folder: Path

    def archive(self, store: EventStore, name: str) -> str:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ArchiveError(f"{self.folder}: cannot make the archive folder ({error})") from None
        return str(store.archive(name, self.folder))

    def exists(self, file_name: str) -> bool:
        return (self.folder / file_name).is_file()

    def list(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.name for p in self.folder.iterdir() if _is_archive(p))

    def __str__(self) -> str:
        return str(self.folder)


class S3Target(ArchiveTarget):
    def __init__(self, archives: S3Archives, staging: Path | None = None) -> None:
        self.archives = archives
        self.staging = staging

    def archive(self, store: EventStore, name: str) -> str:
        with _staging_folder(self.staging) as folder:
            return self.archives.upload(store.archive(name, folder))

    def exists(self, file_name: str) -> bool:
        return self.archives.exists(file_name)

    def list(self) -> list[str]:
        return self.archives.list()

    def __str__(self) -> str:
        return str(self.archives.location)


@contextmanager
def fetched(
    source: str | Path, s3: S3Settings | None = None, *, staging: Path | None = None
) -> Iterator[Path]:
    """A local file holding archive `source`: the path itself, or an `s3://` object
    downloaded and checked into a staging folder that goes away afterwards."""
    if not is_s3(str(source)):
        yield Path(source)
        return
    location, file_name = S3Location.of_object(str(source))
    archives = S3Archives(location, s3 or S3Settings())
    with _staging_folder(staging) as folder:
        yield archives.download(file_name, folder)


@contextmanager
def _staging_folder(parent: Path | None) -> Iterator[Path]:
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".archive-", dir=parent) as folder:
        yield Path(folder)


def _is_archive(path: Path) -> bool:
    return path.is_file() and not path.name.startswith(".")
