"""Daily indices over their life: listing, MozDef's aliases, dropping, snapshots.

Aliases: `events` names today's and yesterday's events indices and `events-previous`
yesterday's, as MozDef kept them, so that index patterns made for MozDef keep
working in OpenSearch Dashboards. The store's own searches resolve index names
themselves (mozdef.store.naming) and do not depend on them.

Archives are snapshots in a filesystem repository: a folder listed in the node's
`path.repo` (the first one unless the store is told another), which the node
writes. `archive` snapshots one index there and writes a small pointer file
`<index>.snapshot.json` in the folder it is given: the returned path. `restore`
reads that file and restores the snapshot under this store's prefix; the pointer
is only valid where the node still sees the repository folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from opensearchpy.exceptions import NotFoundError

from mozdef.errors import ArchiveError, StorageError
from mozdef.store import naming
from mozdef.store.base import IndexInfo
from mozdef.store.opensearch.client import Connection

POINTER_FORMAT = "mozdef-opensearch-snapshot/1"
POINTER_SUFFIX = ".snapshot.json"
_ONE_DAY = dt.timedelta(days=1)


class Lifecycle:
    def __init__(self, connection: Connection, prefix: str, *, repository: str | None) -> None:
        self._connection = connection
        self._client = connection.client
        self._prefix = prefix
        self._repository = repository

    def names(self) -> list[str]:
        """This store's index names (without the prefix), sorted."""
        return [info["index"] for info in self._listing()]

    def indices(self) -> list[IndexInfo]:
        return [_info(row) for row in self._listing()]

    def drop(self, name: str) -> None:
        if naming.parse(name) is None:
            raise StorageError(f"{name!r} is not an index name of this store")
        try:
            self._connection.call(
                "drop", lambda: self._client.indices.delete(index=self._full(name))
            )
        except NotFoundError:
            raise StorageError(f"no index named {name!r} to drop") from None

    def update_aliases(self, today: dt.date) -> None:
        """Point `events` at today and yesterday, `events-previous` at yesterday."""
        events = [name for name in self.names() if family_of(name) == naming.EVENTS]
        wanted = {
            f"{naming.EVENTS}": {
                naming.index_name(naming.EVENTS, day) for day in (today, today - _ONE_DAY)
            },
            f"{naming.EVENTS}-previous": {naming.index_name(naming.EVENTS, today - _ONE_DAY)},
        }
        current = self._current_aliases()
        actions = []
        for alias, names in wanted.items():
            holders = {name for name, aliases in current.items() if alias in aliases}
            for name in sorted(holders - names):
                actions.append({"remove": {"index": self._full(name), "alias": self._full(alias)}})
            for name in sorted((names & set(events)) - holders):
                actions.append({"add": {"index": self._full(name), "alias": self._full(alias)}})
        if actions:
            body = {"actions": actions}
            self._connection.call(
                "update aliases", lambda: self._client.indices.update_aliases(body=body)
            )

    def archive(self, name: str, folder: Path) -> Path:
        if name not in self.names():
            raise ArchiveError(f"no index named {name!r} to archive")
        location = self._location()
        repository = self._register(location)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dt%H%M%S%f")
        snapshot = f"{self._full(name)}-{stamp}"
        body = {"indices": self._full(name), "include_global_state": False}
        answer = self._connection.call(
            f"snapshot {name}",
            lambda: self._client.snapshot.create(
                repository=repository,
                snapshot=snapshot,
                body=body,
                params={"wait_for_completion": "true"},
            ),
        )
        state = answer.get("snapshot", {}).get("state")
        if state != "SUCCESS":
            raise ArchiveError(f"snapshot {snapshot} of {name} ended {state}: {answer}")
        pointer = {
            "format": POINTER_FORMAT,
            "index": name,
            "opensearch_index": self._full(name),
            "repository_location": location,
            "snapshot": snapshot,
        }
        path = Path(folder) / f"{name}{POINTER_SUFFIX}"
        path.write_text(json.dumps(pointer, indent=2) + "\n")
        return path

    def restore(self, archive: Path) -> str:
        pointer = _read_pointer(Path(archive))
        name = str(pointer["index"])
        if name in self.names():
            raise ArchiveError(f"index {name!r} already exists; drop it before restoring")
        repository = self._register(str(pointer["repository_location"]))
        body = {
            "indices": pointer["opensearch_index"],
            "include_global_state": False,
            "include_aliases": False,
            "rename_pattern": "(.+)",
            "rename_replacement": self._full(name),
        }
        self._connection.call(
            f"restore {name}",
            lambda: self._client.snapshot.restore(
                repository=repository,
                snapshot=str(pointer["snapshot"]),
                body=body,
                params={"wait_for_completion": "true"},
            ),
        )
        return name

    def _listing(self) -> list[dict[str, Any]]:
        params = {"format": "json", "bytes": "b", "h": "index,docs.count,store.size"}
        rows = self._connection.call(
            "list indices",
            lambda: self._client.cat.indices(index=f"{self._prefix}*", params=params),
        )
        found = []
        for row in rows:
            name = str(row["index"])
            if name.startswith(self._prefix) and naming.parse(name[len(self._prefix) :]):
                found.append({**row, "index": name[len(self._prefix) :]})
        return sorted(found, key=lambda row: str(row["index"]))

    def _current_aliases(self) -> dict[str, set[str]]:
        pattern = f"{self._prefix}{naming.EVENTS}-*"
        answer = self._connection.call(
            "list aliases", lambda: self._client.indices.get_alias(index=pattern)
        )
        cut = len(self._prefix)
        return {
            index[cut:]: {alias[cut:] for alias in body.get("aliases", {})}
            for index, body in answer.items()
        }

    def _location(self) -> str:
        if self._repository is not None:
            return self._repository
        answer = self._connection.call(
            "read node settings", lambda: self._client.nodes.info(metric="settings")
        )
        for node in answer.get("nodes", {}).values():
            folders = node.get("settings", {}).get("path", {}).get("repo")
            if folders:
                return str(folders[0] if isinstance(folders, list) else folders)
        raise ArchiveError(
            f"OpenSearch at {self._connection.url} has no path.repo for snapshots: "
            "set path.repo on the node or give the store a repository folder"
        )

    def _register(self, location: str) -> str:
        digest = hashlib.sha256(location.encode()).hexdigest()[:12]
        repository = f"mozdef-archives-{digest}"
        body = {"type": "fs", "settings": {"location": location}}
        self._connection.call(
            f"register the snapshot repository {location}",
            lambda: self._client.snapshot.create_repository(repository=repository, body=body),
        )
        return repository

    def _full(self, name: str) -> str:
        return self._prefix + name


def family_of(name: str) -> str:
    """The family of an index name of this store (`events` for `events-20240515`)."""
    parsed = naming.parse(name)
    if parsed is None:
        raise StorageError(f"{name!r} is not an index name of this store")
    return parsed.family


def _info(row: dict[str, Any]) -> IndexInfo:
    name = str(row["index"])
    parsed = naming.parse(name)
    day = parsed.first if parsed is not None and parsed.first == parsed.last else None
    return IndexInfo(
        name=name,
        docs=int(row.get("docs.count") or 0),
        bytes=int(row.get("store.size") or 0),
        day=day,
    )


def _read_pointer(archive: Path) -> dict[str, Any]:
    try:
        pointer = json.loads(archive.read_text())
    except (OSError, ValueError) as error:
        raise ArchiveError(f"{archive} is not a snapshot pointer of this store: {error}") from None
    keys = ("index", "opensearch_index", "repository_location", "snapshot")
    if (
        not isinstance(pointer, dict)
        or pointer.get("format") != POINTER_FORMAT
        or not all(isinstance(pointer.get(key), str) for key in keys)
    ):
        raise ArchiveError(f"{archive} is not a snapshot pointer of this store")
    if naming.parse(pointer["index"]) is None:
        raise ArchiveError(f"{archive} names {pointer['index']!r}, not an index of this store")
    return pointer
