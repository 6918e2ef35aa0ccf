"""Retention: whole daily (or monthly) indices dropped once older than their family's limit.

`policy` maps an index family (`events`, `alerts`, a custom application's name) to
the days to keep; the key `*` covers families not named; 0 keeps forever. An index
goes when its last day is more than that many days before `today`: with 30 days,
on 2026-12-31 `events-20261201` stays and `events-20261130` goes, and `alerts-202610`
goes once 2026-10-31 is more than 30 days past. Today's index always stays.

With `archive_to` (a folder, or an `s3://bucket/prefix` target), each index is
archived there first; an index whose archive fails is kept (and logged) so that
nothing is dropped without its archive.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from pathlib import Path

from mozdef.config.settings import RetentionSettings, S3Settings, Settings
from mozdef.errors import ConfigError, StorageError
from mozdef.logfmt import fields
from mozdef.ops.archive_target import ArchiveTarget, FolderTarget
from mozdef.store import naming
from mozdef.store.base import EventStore

log = logging.getLogger(__name__)

DEFAULT_FAMILY = "*"


def policy_of(retention: RetentionSettings) -> dict[str, int]:
    """The policy that the `[retention]` settings describe."""
    return {
        "events": retention.events_days,
        "alerts": retention.alerts_days,
        DEFAULT_FAMILY: retention.custom_days,
    }


def archive_target_of(settings: Settings) -> ArchiveTarget | None:
    """Where `retention.archive_folder` says to archive, with the `[s3]` settings for
    an `s3://` location and the data folder for staging; None: no archives."""
    return archive_folder_of(settings.retention, settings.s3, staging=settings.data_dir)


def archive_folder_of(
    retention: RetentionSettings, s3: S3Settings | None = None, *, staging: Path | None = None
) -> ArchiveTarget | None:
    """As `archive_target_of`, from the parts; without `s3`, an `s3://` location is on AWS."""
    text = retention.archive_folder
    return ArchiveTarget.parse(text, s3, staging=staging) if text else None


def expired(names: list[str], policy: Mapping[str, int], *, today: dt.date) -> list[str]:
    """The names among `names` that `policy` says to drop on `today`, in name order."""
    for family, days in policy.items():
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise ConfigError(f"retention.{family}", days, "a whole number of days >= 0")
    chosen = []
    for name in sorted(names):
        parsed = naming.parse(name)
        days = _days_for(parsed.family, policy) if parsed else 0
        if parsed and days > 0 and parsed.last < today - dt.timedelta(days=days):
            chosen.append(name)
    return chosen


def prune(
    store: EventStore,
    policy: Mapping[str, int],
    *,
    today: dt.date,
    archive_to: Path | ArchiveTarget | None = None,
) -> list[str]:
    """Drop the expired indices of `store` (archiving each first, if asked); returns them."""
    if isinstance(archive_to, Path):
        archive_to = FolderTarget(archive_to)
    dropped = []
    for name in expired([info.name for info in store.indices()], policy, today=today):
        if archive_to is not None and not _archived(store, name, archive_to):
            continue
        store.drop(name)
        dropped.append(name)
    log.info("retention.prune", extra=fields(dropped=len(dropped), today=today.isoformat()))
    return dropped


def _days_for(family: str, policy: Mapping[str, int]) -> int:
    return policy.get(family, policy.get(DEFAULT_FAMILY, 0))


def _archived(store: EventStore, name: str, target: ArchiveTarget) -> bool:
    try:
        where = target.archive(store, name)
    except StorageError as error:
        log.error("retention.archive_failed", extra=fields(index=name, error=str(error)))
        return False
    log.info("retention.archived", extra=fields(index=name, archive=where))
    return True
