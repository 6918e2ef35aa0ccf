"""What can be blocked, written one way: IP addresses and networks, and host names.

An IP entry is an IPv4 or IPv6 address or a CIDR network. A network covering one
address is that address (`10.0.0.5/32` is `10.0.0.5`); an IPv4-mapped IPv6 address
(`::ffff:203.0.113.9`) is the IPv4 address it maps. A network with host bits set
(`10.0.0.5/24`) is refused rather than masked: the person typing it meant either the
address or the network, and guessing the wider one would block 255 more hosts than
asked. IPv6 is written compressed and lower-case, as `ipaddress` writes it.

An FQDN entry is a host name of at least two labels, lower-cased and in its ASCII
(IDNA 2008, UTS 46 mapped) form, without the trailing dot: `Bücher.Example.` is
`xn--bcher-kva.example`. Labels are letters, digits and inner hyphens, at most 63
characters, and the name at most 253; wildcards and underscores are refused. A
block covers that exact name, not the names below it.

For range questions in SQL, an IP entry is also kept as its version and its first
and last address as 32 hexadecimal digits, which compare as text as they do as
numbers, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal

import idna

from mozdef.errors import ListEntryError

Kind = Literal["ip", "fqdn"]
KINDS: tuple[Kind, ...] = ("ip", "fqdn")
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# Only digits, dots and a slash, or a colon anywhere: meant as an IP entry.
_LOOKS_LIKE_IP = re.compile(r"[\d./]+|.*:.*")


@dataclass(frozen=True)
class Target:
    """One value to block, normalized; `network` is set for kind ip."""

    kind: Kind
    value: str
    network: IPNetwork | None = None


def parse_kind(kind: object) -> Kind:
    if kind not in KINDS:
        raise ListEntryError("kind", kind, f"expected one of {', '.join(KINDS)}, found {kind!r}")
    return kind


def parse_target(value: object, *, kind: str | None = None) -> Target:
    """`value` as a block-list target of `kind`, or of the kind it looks like."""
    if not isinstance(value, str) or not value.strip():
        raise ListEntryError("value", value, "expected an IP address, a CIDR network or an FQDN")
    text = value.strip()
    if kind is None:
        kind = "ip" if _LOOKS_LIKE_IP.fullmatch(text) else "fqdn"
    if parse_kind(kind) == "ip":
        network = parse_network(text, field="value")
        return Target("ip", network_text(network), network)
    return Target("fqdn", parse_fqdn(text))


def parse_network(text: str, *, field: str) -> IPNetwork:
    """`text` as an IP network (an address is a one-address network)."""
    if "%" in text:
        raise ListEntryError(field, text, "a scoped IPv6 address (with %zone) cannot be blocked")
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError as error:
        raise ListEntryError(field, text, _network_problem(text, error)) from None
    mapped = getattr(network.network_address, "ipv4_mapped", None)
    if mapped is not None and network.prefixlen == network.max_prefixlen:
        return ipaddress.IPv4Network(mapped)
    return network


def _network_problem(text: str, error: ValueError) -> str:
    try:
        loose = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return f"expected an IP address or a CIDR network such as 192.0.2.0/24 ({error})"
    address = text.split("/", 1)[0]
    return (
        f"{text} has host bits set; write the network {loose.with_prefixlen} "
        f"or the address {address}"
    )


def network_text(network: IPNetwork) -> str:
    """An address without its /32 or /128; a wider network with its prefix."""
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return network.with_prefixlen


def parse_fqdn(text: str) -> str:
    name = text.strip().removesuffix(".")
    try:
        ascii_name = idna.encode(name, uts46=True).decode("ascii")
    except idna.IDNAError as error:
        raise ListEntryError("value", text, f"not a valid host name: {error}") from None
    labels = ascii_name.split(".")
    if len(labels) < 2:
        raise ListEntryError("value", text, "expected a fully qualified name such as host.example")
    if labels[-1].isdigit():
        raise ListEntryError("value", text, "the last label is all digits: not a host name")
    return ascii_name


def bounds(network: IPNetwork) -> tuple[int, str, str]:
    """The version, first and last address of `network`, as stored for range queries."""
    first = int(network.network_address)
    last = int(network.broadcast_address)
    return network.version, f"{first:032x}", f"{last:032x}"
