"""Make the source and destination address fields hold clean IP addresses.

For each direction, the canonical field is `details.sourceipaddress` or
`details.destinationipaddress`; the variants read are `srcip`, `src_ip`,
`source_ip`, `src` (and `dstip`, `dst_ip`, `destination_ip`, `dst`):

- An address is written in its compressed form (`2001:DB8:0::1` becomes
  `2001:db8::1`); an IPv4-mapped IPv6 address becomes the IPv4 address.
- A port written with it (`1.2.3.4:22`, `[::1]:22`) is split off into
  `details.sourceport` / `details.destinationport` (as a number) unless that
  field is already set.
- When the canonical field is absent, the first variant holding a valid address
  is moved to it. A variant holding something else (`src` is often a host name)
  is left alone.
- A canonical field that does not hold an address is moved aside to
  `details.sourceipaddress_invalid` (or `destinationipaddress_invalid`), so that
  the field only ever holds addresses and the value is not lost.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

from mozdef.events.schema import Event
from mozdef.pipeline.plugin import BasePlugin, Metadata, PluginResult

INVALID_SUFFIX = "_invalid"

_inet_pton = socket.inet_pton
_AF_INET = socket.AF_INET

_DIRECTIONS = (
    ("sourceipaddress", "sourceport", ("srcip", "src_ip", "source_ip", "src")),
    ("destinationipaddress", "destinationport", ("dstip", "dst_ip", "destination_ip", "dst")),
)


class IpFixup(BasePlugin):
    name = "ipfixup"
    atomic = True
    priority = 20

    def onMessage(self, message: Event, metadata: Metadata) -> PluginResult:
        details = message.get("details")
        if type(details) is dict:
            for field, port_field, variants in _DIRECTIONS:
                _fix(details, field, port_field, variants)
        return message, metadata


def _fix(details: dict[str, Any], field: str, port_field: str, variants: tuple[str, ...]) -> None:
    if field in details:
        value = details[field]
        if type(value) is str and _is_plain_ipv4(value):
            return
        parsed = parse_address(value) if isinstance(value, str) else None
        if parsed is None:
            details[field + INVALID_SUFFIX] = details.pop(field)
        else:
            _store(details, field, port_field, parsed)
        return

    if details.keys().isdisjoint(variants):
        return
    for variant in variants:
        value = details.get(variant)
        parsed = parse_address(value) if isinstance(value, str) else None
        if parsed is not None:
            del details[variant]
            _store(details, field, port_field, parsed)
            return


def _store(
    details: dict[str, Any], field: str, port_field: str, parsed: tuple[str, int | None]
) -> None:
    address, port = parsed
    details[field] = address
    if port is not None and details.get(port_field) in (None, ""):
        details[port_field] = port


def parse_address(text: str) -> tuple[str, int | None] | None:
    """The canonical address in `text` and the port written with it, or None."""
    if _is_plain_ipv4(text):
        return text, None

    text = text.strip()
    host, port = _split_port(text)
    address = _canonical(host)
    if address is None or (port is not None and not 0 <= port <= 65535):
        return None
    return address, port


def _is_plain_ipv4(text: str) -> bool:
    """Whether `text` is a dotted-quad IPv4 address already in canonical form: the
    common case, answered by one C call (inet_pton refuses leading zeros, spaces and
    short forms)."""
    try:
        _inet_pton(_AF_INET, text)
    except OSError:
        return False
    return True


def _split_port(text: str) -> tuple[str, int | None]:
    """The host and the port of `text`; -1 as the port when one is written but unreadable."""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, _port(rest.removeprefix(":")) if rest else None
    if text.count(":") == 1:
        host, _, port_text = text.partition(":")
        return host, _port(port_text)
    return text, None


def _port(text: str) -> int:
    return int(text) if text.isdigit() and text.isascii() else -1


def _canonical(host: str) -> str | None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return address.compressed
