"""The block list as firewalls fetch it: plain text, one active entry per line.

    203.0.113.9
    198.51.100.0/24
    2001:db8::/32

IP entries come IPv4 first, then IPv6, each by first address and then by prefix
length (a network before the addresses in it), so the file changes only where the
list did and a firewall or a diff sees no reordering. Host names come in plain
alphabetical order. No comments and no header: every line is one entry. The text
ends with a newline; an empty list is an empty text.
"""

from __future__ import annotations

from collections.abc import Iterable

from mozdef.blocklist.model import BlockListEntry

MEDIA_TYPE = "text/plain; charset=utf-8"


def export_order(entry: BlockListEntry) -> tuple[int, int, int, str]:
    network = entry.network
    if network is None:
        return (0, 0, 0, entry.value)
    return (network.version, int(network.network_address), network.prefixlen, "")


def export_text(entries: Iterable[BlockListEntry]) -> str:
    values = dict.fromkeys(entry.value for entry in sorted(entries, key=export_order))
    return "".join(f"{value}\n" for value in values)
