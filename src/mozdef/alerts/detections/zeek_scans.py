"""Zeek scan notices (address scan, port scan, random scan): an alert per scanning
source address, on the first notice, with MozDef's windows and severities.

`sources` (CIDR networks) keeps only scanners inside them, MozDef's
`sourcemustmatch`; `excluded` leaves out known scanners by address.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from mozdef.alerts.detections.forms import Group, GroupDetection
from mozdef.alerts.detections.meta import builtin
from mozdef.alerts.model import Severity
from mozdef.errors import ConfigError
from mozdef.query.tree import Bool, Cidr, Node, Term, or_


@dataclass(frozen=True)
class ScanKind:
    rule_id: str
    note: str
    tag: str
    label: str
    severity: Severity
    window: dt.timedelta


ADDRESS_SCAN = ScanKind(
    "nsm_scan_address",
    "Scan::Address_Scan",
    "addressscan",
    "Address scan",
    "NOTICE",
    dt.timedelta(minutes=1),
)
PORT_SCAN = ScanKind(
    "nsm_scan_port",
    "Scan::Port_Scan",
    "portscan",
    "Port scan",
    "WARNING",
    dt.timedelta(minutes=2),
)
RANDOM_SCAN = ScanKind(
    "nsm_scan_random",
    "Scan::Random_Scan",
    "randomscan",
    "Random scan",
    "WARNING",
    dt.timedelta(minutes=1),
)


def address_scan(
    *, sources: tuple[str, ...] = (), excluded: tuple[str, ...] = ()
) -> GroupDetection:
    return scan_rule(ADDRESS_SCAN, sources=sources, excluded=excluded)


def port_scan(*, sources: tuple[str, ...] = (), excluded: tuple[str, ...] = ()) -> GroupDetection:
    return scan_rule(PORT_SCAN, sources=sources, excluded=excluded)


def random_scan(*, sources: tuple[str, ...] = (), excluded: tuple[str, ...] = ()) -> GroupDetection:
    return scan_rule(RANDOM_SCAN, sources=sources, excluded=excluded)


def scan_rule(
    kind: ScanKind, *, sources: tuple[str, ...] = (), excluded: tuple[str, ...] = ()
) -> GroupDetection:
    must: list[Node] = [
        Term("category", "bro"),
        Term("source", "notice"),
        Term("details.note", kind.note),
    ]
    if sources:
        must.append(or_(*(_network(kind, cidr) for cidr in sources)))
    query = Bool(
        must=tuple(must),
        must_not=tuple(Term("details.sourceipaddress", address) for address in excluded),
    )
    meta = builtin(
        kind.rule_id,
        kind.label,
        severity=kind.severity,
        category="nsm",
        tags=("nsm", "bro", kind.tag),
        window=kind.window,
    )
    return GroupDetection(
        meta,
        query,
        field="details.sourceipaddress",
        threshold=1,
        window=kind.window,
        describe=lambda group: _summary(kind, group),
    )


def _network(kind: ScanKind, cidr: str) -> Cidr:
    try:
        return Cidr("details.sourceipaddress", ipaddress.ip_network(cidr, strict=False))
    except ValueError as error:
        raise ConfigError(f"detections.{kind.rule_id}.sources", cidr, "a CIDR network") from error


def _summary(kind: ScanKind, group: Group) -> str:
    return f"{kind.label} from {group.value}"
