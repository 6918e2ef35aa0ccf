"""Block lists (IP addresses and networks, FQDNs), the ranges never to block, and
the watch list: their model, storage in the application database, the export for
firewalls and the push to a firewall's API."""

from mozdef.blocklist.context import BlockListContext, blocklist_context, settings_blocklist
from mozdef.blocklist.export import export_text
from mozdef.blocklist.lifecycle import STATES, Outcome, State
from mozdef.blocklist.listing import Listing, Page, parse_listing
from mozdef.blocklist.model import BlockListEntry, BlockResult
from mozdef.blocklist.protected import DEFAULT_PROTECTED, ProtectedRange, ProtectedRanges
from mozdef.blocklist.push import FirewallPush, HttpFirewallPush, PushResult, QueuedPush
from mozdef.blocklist.store import BlockListStore, DbBlockList
from mozdef.blocklist.values import KINDS, Kind, Target, parse_target
from mozdef.blocklist.watchlist import DbWatchList, WatchEntry, WatchListStore, WatchResult

__all__ = [
    "DEFAULT_PROTECTED",
    "KINDS",
    "STATES",
    "BlockListContext",
    "BlockListEntry",
    "BlockListStore",
    "BlockResult",
    "DbBlockList",
    "DbWatchList",
    "FirewallPush",
    "HttpFirewallPush",
    "Kind",
    "Listing",
    "Outcome",
    "Page",
    "ProtectedRange",
    "ProtectedRanges",
    "PushResult",
    "QueuedPush",
    "State",
    "Target",
    "WatchEntry",
    "WatchListStore",
    "WatchResult",
    "blocklist_context",
    "export_text",
    "parse_listing",
    "parse_target",
    "settings_blocklist",
]
