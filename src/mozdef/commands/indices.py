"""`mozdef indices list | archive DAY | restore ARCHIVE | drop DAY | prune`:
MozDef's rotation, pruning, archiving and restoring of daily indices.

They work on the configured store. On tantivy, `list` and `archive` read, and
`restore`, `drop` and `prune` need the store's writer, so they refuse while a server
runs (the server prunes on its own schedule); an archive is a compressed file of the
index. On OpenSearch they run beside the running processes; an archive is a snapshot
in the cluster's filesystem repository and a pointer file, and `--replace` is refused
(drop the index first). Archives go to a folder or to `s3://bucket/prefix`, and
restore from a file or from an `s3://bucket/key` object (with the `[s3]` settings)."""

from __future__ import annotations

import argparse
import datetime as dt
import re
from pathlib import Path
from typing import Any

from mozdef.backends import open_store
from mozdef.config import Settings
from mozdef.errors import ConfigError
from mozdef.ops.archive_target import ArchiveTarget, fetched
from mozdef.ops.retention import archive_target_of, policy_of, prune
from mozdef.store.base import EventStore
from mozdef.store.tantivy import TantivyStore

_DAY = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$")


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser("indices", help="manage daily indices")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="indices with their size and event count")
    archive = actions.add_parser("archive", help="write one day to a compressed archive")
    archive.add_argument("day", help="20261203, 2026-12-03 or an index name")
    archive.add_argument("--to", help="folder or s3://bucket/prefix (default DATA/archives)")
    restore = actions.add_parser("restore", help="make an archived day searchable again")
    restore.add_argument("archive", help="an archive file or s3://bucket/key")
    restore.add_argument("--replace", action="store_true", help="replace a live index")
    drop = actions.add_parser("drop", help="delete one day")
    drop.add_argument("day")
    actions.add_parser("prune", help="apply the retention policy now")
    for action in actions.choices.values():
        _accept_common_options(action)
    parser.set_defaults(run=run)
    return parser


def _accept_common_options(action: argparse.ArgumentParser) -> None:
    """Let `--data-dir` and `--config` also follow the action; SUPPRESS keeps a value
    given before the action from being reset to the default."""
    action.add_argument("--config", type=Path, default=argparse.SUPPRESS)
    action.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)


def index_name(day: str) -> str:
    """`events-20261203` from `20261203`, `2026-12-03` or the name itself."""
    match = _DAY.match(day)
    if match is not None:
        return "events-" + "".join(match.groups())
    if re.match(r"^[a-z0-9_-]+-\d{6,8}$", day):
        return day
    raise ConfigError("day", day, "a day as 20261203 or 2026-12-03, or an index name")


def run(args: argparse.Namespace, settings: Settings) -> int:
    writer = args.action in ("restore", "drop", "prune")
    if getattr(args, "replace", False) and settings.store.backend != "tantivy":
        raise ConfigError("--replace", "true", "no --replace on OpenSearch: drop the index first")
    store = open_store(settings, writer=writer)
    try:
        return _ACTIONS[args.action](store, args, settings)
    finally:
        store.close()


def _list(store: EventStore, args: argparse.Namespace, settings: Settings) -> int:
    print(f"{'index':<24} {'events':>12} {'bytes':>14}")
    for info in store.indices():
        print(f"{info.name:<24} {info.docs:>12} {info.bytes:>14}")
    return 0


def _archive(store: EventStore, args: argparse.Namespace, settings: Settings) -> int:
    where = args.to or str(settings.data_dir / "archives")
    target = ArchiveTarget.parse(where, settings.s3, staging=settings.data_dir)
    print(target.archive(store, index_name(args.day)))
    return 0


def _restore(store: EventStore, args: argparse.Namespace, settings: Settings) -> int:
    with fetched(args.archive, settings.s3, staging=settings.data_dir) as archive:
        if isinstance(store, TantivyStore):
            print(store.restore(archive, replace=args.replace))
        else:
            print(store.restore(archive))
    return 0


def _drop(store: EventStore, args: argparse.Namespace, settings: Settings) -> int:
    store.drop(index_name(args.day))
    return 0


def _prune(store: EventStore, args: argparse.Namespace, settings: Settings) -> int:
    retention = settings.retention
    today = dt.datetime.now(dt.UTC).date()
    archive = archive_target_of(settings)
    for name in prune(store, policy_of(retention), today=today, archive_to=archive):
        print(f"dropped {name}")
    return 0


_ACTIONS = {
    "list": _list,
    "archive": _archive,
    "restore": _restore,
    "drop": _drop,
    "prune": _prune,
}
