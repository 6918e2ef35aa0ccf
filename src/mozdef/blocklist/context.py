"""What the block-list and watch-list API needs from the application, built once.

    app.state.blocklist = blocklist_context(db, protected=[...], push_url=...)

The web routes (mozdef.web.blocklist_api) take their stores from there. With a
`push_url`, every change is also POSTed to a firewall's API from a background
thread (push.py); `close()` hands over what is still queued and stops it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mozdef.appdb.db import AppDb
from mozdef.blocklist.lifecycle import Clock, utc_now
from mozdef.blocklist.protected import ProtectedRanges
from mozdef.blocklist.push import HttpFirewallPush, QueuedPush
from mozdef.blocklist.store import BlockListStore, DbBlockList
from mozdef.blocklist.watchlist import DbWatchList, WatchListStore
from mozdef.config.settings import BlocklistSettings


@dataclass(frozen=True)
class BlockListContext:
    # The alert actions' BlockList and the watch-list rule's WatchList over the same
    # stores, for a process that runs alerts and the web app together.
    block_list: DbBlockList
    watch_list: DbWatchList
    push: QueuedPush | None = None

    @property
    def blocks(self) -> BlockListStore:
        return self.block_list.store

    @property
    def protected(self) -> ProtectedRanges:
        return self.block_list.store.protected

    @property
    def watches(self) -> WatchListStore:
        return self.watch_list.store

    def close(self) -> None:
        if self.push is None:
            return
        self.push.close()
        target = self.push.target
        if isinstance(target, HttpFirewallPush):
            target.close()


def blocklist_context(
    db: AppDb,
    *,
    protected: Iterable[str] = (),
    push_url: str | None = None,
    push_timeout: float = 5.0,
    push_headers: Mapping[str, str] | None = None,
    watch_refresh_seconds: float = 5.0,
    clock: Clock = utc_now,
) -> BlockListContext:
    """The stores over `db`: `protected` adds to the default protected ranges, and
    `push_url` names a firewall API to tell of each change."""
    push = None
    if push_url:
        push = QueuedPush(HttpFirewallPush(push_url, timeout=push_timeout, headers=push_headers))
    block_list = DbBlockList(db, protected=protected, firewall=push, clock=clock)
    watch_list = DbWatchList(db, refresh_seconds=watch_refresh_seconds, clock=clock)
    return BlockListContext(block_list, watch_list, push)


def settings_blocklist(db: AppDb, settings: BlocklistSettings) -> BlockListContext:
    """The block and watch lists over `db` as the `[blocklist]` settings describe them."""
    headers = {"Authorization": f"Bearer {settings.push_token}"} if settings.push_token else None
    return blocklist_context(
        db,
        protected=settings.protected,
        push_url=settings.push_url or None,
        push_timeout=settings.push_timeout,
        push_headers=headers,
        watch_refresh_seconds=settings.watch_refresh_seconds,
    )
