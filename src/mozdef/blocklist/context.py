"""What the block-list and watch-list API needs from the application, built once.

    app.state.blocklist = blocklist_context(db, protected=[...], push_url=...)

The web routes (mozdef.web.blocklist_api) take their stores from there. With a
`push_url`, every change is also POSTed to a firewall's API from a background
thread (push.py); `close()` hands over what is still queued and stops it. With a
`bus`, every change is published on it for the browsers (notice.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mozdef.alerts.bus import Bus
from mozdef.appdb.db import AppDb
from mozdef.blocklist.lifecycle import Clock, utc_now
from mozdef.blocklist.notice import BusNotice
from mozdef.blocklist.protected import ProtectedRanges
from mozdef.blocklist.push import FirewallPush, HttpFirewallPush, QueuedPush
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
    bus: Bus | None = None,
    clock: Clock = utc_now,
) -> BlockListContext:
    """The stores over `db`: `protected` adds to the default protected ranges,
    `push_url` names a firewall API to tell of each change, and `bus` is where the
    changes are published."""
    push = None
    if push_url:
        push = QueuedPush(HttpFirewallPush(push_url, timeout=push_timeout, headers=push_headers))
    told: FirewallPush | None = push if bus is None else BusNotice(bus, firewall=push)
    block_list = DbBlockList(db, protected=protected, firewall=told, clock=clock)
    watch_list = DbWatchList(db, refresh_seconds=watch_refresh_seconds, clock=clock)
    return BlockListContext(block_list, watch_list, push)


def settings_blocklist(
    db: AppDb, settings: BlocklistSettings, *, bus: Bus | None = None
) -> BlockListContext:
    """The block and watch lists over `db` as the `[blocklist]` settings describe them,
    their changes published on `bus`."""
    headers = {"Authorization": f"Bearer {settings.push_token}"} if settings.push_token else None
    return blocklist_context(
        db,
        protected=settings.protected,
        push_url=settings.push_url or None,
        push_timeout=settings.push_timeout,
        push_headers=headers,
        watch_refresh_seconds=settings.watch_refresh_seconds,
        bus=bus,
    )
