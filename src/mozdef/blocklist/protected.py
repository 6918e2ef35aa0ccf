"""Address ranges that can never be blocked, whoever asks.

Three sources, checked together on every IP block:
- `DEFAULT_PROTECTED`: ranges no firewall should drop (this host and network,
  private and shared address space, link-local, multicast...), always on;
- ranges given in the configuration (`ProtectedRanges(db, extra=...)`);
- ranges admins add through the API, kept in the `blocklist_protected` table.

A block is refused when it shares any address with a protected range: an address
inside one, or a network containing one (`0.0.0.0/0` contains them all). The
refusal names the range and why it is protected. A new protected range over active
blocks is refused too, naming them: unblock them first, so that the firewall never
goes on dropping what is now protected.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, RowMapping, delete, insert, select

from mozdef.appdb.db import AppDb
from mozdef.blocklist.lifecycle import Clock, check_actor, check_reason, state_condition, utc_now
from mozdef.blocklist.model import changing, entry_of, overlapping
from mozdef.blocklist.tables import blocklist_entries
from mozdef.blocklist.tables import blocklist_protected as table
from mozdef.blocklist.values import IPNetwork, parse_network
from mozdef.errors import ConfigError, ListEntryError

Source = Literal["default", "configured", "admin"]
SETTING = "blocklist.protected"
DEFAULT_PROTECTED: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "this network (RFC 1122)"),
    ("10.0.0.0/8", "private network (RFC 1918)"),
    ("100.64.0.0/10", "shared address space of carrier-grade NAT (RFC 6598)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private network (RFC 1918)"),
    ("192.168.0.0/16", "private network (RFC 1918)"),
    ("224.0.0.0/4", "multicast"),
    ("255.255.255.255/32", "limited broadcast"),
    ("::/128", "unspecified address"),
    ("::1/128", "loopback"),
    ("::ffff:0:0/96", "IPv4-mapped addresses"),
    ("fc00::/7", "unique local addresses (RFC 4193)"),
    ("fe80::/10", "link-local"),
    ("ff00::/8", "multicast"),
)
# How many active blocks a refused protected range names.
SHOWN_CONFLICTS = 5


@dataclass(frozen=True)
class ProtectedRange:
    network: IPNetwork
    reason: str
    source: Source
    # Set for the ranges admins added.
    id: str | None = None
    created_by: str | None = None
    created: dt.datetime | None = None

    @property
    def text(self) -> str:
        return self.network.with_prefixlen

    def overlaps(self, network: IPNetwork) -> bool:
        return network.version == self.network.version and network.overlaps(self.network)


def fixed_ranges(extra: Iterable[str]) -> tuple[ProtectedRange, ...]:
    """The default ranges and the configured `extra` ones; ConfigError names a bad one."""
    ranges = [
        ProtectedRange(ipaddress.ip_network(net), why, "default") for net, why in DEFAULT_PROTECTED
    ]
    for value in extra:
        try:
            network = parse_network(str(value).strip(), field=SETTING)
        except ListEntryError as error:
            raise ConfigError(
                SETTING, value, f"IP networks such as 192.0.2.0/24 ({error})"
            ) from None
        ranges.append(ProtectedRange(network, f"configured in {SETTING}", "configured"))
    return tuple(ranges)


def refusal(value: str, network: IPNetwork, found: ProtectedRange) -> ListEntryError:
    where = "is inside" if network.subnet_of(found.network) else "contains"  # type: ignore[arg-type]
    message = (
        f"{value} {where} the protected range {found.text} ({found.reason}), "
        "which can never be blocked"
    )
    return ListEntryError("value", value, message, problem="protected", protected_range=found.text)


class ProtectedRanges:
    def __init__(self, db: AppDb, *, extra: Iterable[str] = (), clock: Clock = utc_now) -> None:
        self._db = db
        self._clock = clock
        self.fixed = fixed_ranges(extra)

    def all(self) -> list[ProtectedRange]:
        """The fixed ranges in their order, then those admins added, by network."""
        with self._db.begin() as connection:
            return self.read(connection)

    def read(self, connection: Connection) -> list[ProtectedRange]:
        rows = connection.execute(select(table)).mappings().all()
        added = sorted((_range(row) for row in rows), key=lambda r: (r.network.version, r.network))
        return [*self.fixed, *added]

    def check(self, connection: Connection, value: str, network: IPNetwork) -> None:
        """Raise the refusal naming the first protected range `network` overlaps."""
        for protected in self.read(connection):
            if protected.overlaps(network):
                raise refusal(value, network, protected)

    def add(self, value: str, *, reason: str, by: str) -> ProtectedRange:
        network = parse_network(str(value).strip(), field="network")
        made = ProtectedRange(
            network, check_reason(reason), "admin", uuid.uuid4().hex, check_actor(by), self._clock()
        )
        with changing(self._db) as connection:
            _refuse_duplicate(self.read(connection), network)
            self._refuse_over_blocks(connection, network)
            connection.execute(insert(table).values(**_row(made)))
        return made

    def remove(self, range_id: str) -> ProtectedRange:
        """Delete a range an admin added; ListEntryError `not_found` for any other id."""
        with changing(self._db) as connection:
            row = connection.execute(select(table).where(table.c.id == range_id)).mappings().first()
            if row is None:
                message = f"no protected range {range_id!r} added by an admin"
                raise ListEntryError("id", range_id, message, problem="not_found")
            connection.execute(delete(table).where(table.c.id == range_id))
        return _range(row)

    def _refuse_over_blocks(self, connection: Connection, network: IPNetwork) -> None:
        query = (
            select(blocklist_entries)
            .where(
                overlapping(network), state_condition(blocklist_entries, "active", self._clock())
            )
            .order_by(blocklist_entries.c.value)
            .limit(SHOWN_CONFLICTS + 1)
        )
        found = [entry_of(row) for row in connection.execute(query).mappings()]
        if found:
            names = ", ".join(entry.value for entry in found[:SHOWN_CONFLICTS])
            more = " and more" if len(found) > SHOWN_CONFLICTS else ""
            message = (
                f"active blocks overlap {network.with_prefixlen}: {names}{more}; unblock them first"
            )
            raise ListEntryError("network", network.with_prefixlen, message, problem="overlap")


def _refuse_duplicate(known: list[ProtectedRange], network: IPNetwork) -> None:
    for protected in known:
        if protected.network == network:
            message = (
                f"{protected.text} is already protected ({protected.source}: {protected.reason})"
            )
            raise ListEntryError("network", protected.text, message, problem="exists")


def _row(made: ProtectedRange) -> dict[str, object]:
    return {
        "id": made.id,
        "network": made.text,
        "reason": made.reason,
        "created_by": made.created_by,
        "created": made.created,
    }


def _range(row: RowMapping) -> ProtectedRange:
    return ProtectedRange(
        network=ipaddress.ip_network(row["network"]),
        reason=row["reason"],
        source="admin",
        id=row["id"],
        created_by=row["created_by"],
        created=row["created"],
    )
