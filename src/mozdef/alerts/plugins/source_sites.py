"""Say where an alert's addresses are, from configured networks (MozDef's
ip_source_enrichment).

Every IPv4 and IPv6 address written in the draft's summary, details or sample
events is checked against the configured networks; for each match the site's
`format` (with `{0}` the address and `{1}` the site) is appended to the summary
after `; `, and `{"ip": ..., "site": ...}` is added to `details.sites`. An address
inside several configured networks gets one line per network, in configured order.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from mozdef.alerts.model import AlertDraft
from mozdef.alerts.plugins.base import BaseAlertPlugin
from mozdef.errors import ConfigError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Candidates only: each is checked by `ipaddress`, which has the last word.
_CANDIDATE = re.compile(
    r"(?<![\w.:])(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]*:[0-9A-Fa-f:.]+)(?![\w]|[.:]\w)"
)


@dataclass(frozen=True)
class Site:
    network: Network
    site: str
    format: str = "{0} is in {1}"

    @classmethod
    def parse(cls, entry: Mapping[str, Any], *, where: str) -> Site:
        try:
            network = ipaddress.ip_network(str(entry.get("range")), strict=False)
        except ValueError as error:
            raise ConfigError(f"{where}.range", entry.get("range"), "a CIDR network") from error
        if not isinstance(entry.get("site"), str):
            raise ConfigError(f"{where}.site", entry.get("site"), "a site name")
        return cls(network, entry["site"], str(entry.get("format", cls.format)))


class SourceSites(BaseAlertPlugin):
    name: ClassVar[str] = "source_sites"

    def __init__(self, sites: Sequence[Site]) -> None:
        self.sites = tuple(sites)

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> SourceSites:
        """From `{"known": [{"range": CIDR, "site": name, "format": text}, ...]}`."""
        known = options.get("known", [])
        where = f"alerts.plugins.{cls.name}.known"
        return cls([Site.parse(entry, where=f"{where}.{n}") for n, entry in enumerate(known)])

    def on_alert(self, draft: AlertDraft) -> AlertDraft:
        found = [(address, site) for address in _addresses(draft) for site in self._sites(address)]
        if not found:
            return draft
        notes = "".join(
            f"; {site.format.format(str(address), site.site)}" for address, site in found
        )
        sites = [{"ip": str(address), "site": site.site} for address, site in found]
        details = {**draft.details, "sites": [*draft.details.get("sites", []), *sites]}
        return dataclasses.replace(draft, summary=draft.summary + notes, details=details)

    def _sites(self, address: Address) -> list[Site]:
        return [site for site in self.sites if address in site.network]


def _addresses(draft: AlertDraft) -> list[Address]:
    """Distinct addresses in the draft, in the order they first appear."""
    texts = [draft.summary, *_strings(draft.details)]
    texts.extend(text for sample in draft.events for text in _strings(sample.source))
    found: dict[Address, None] = {}
    for text in texts:
        for candidate in _CANDIDATE.findall(text):
            address = _address(candidate)
            if address is not None:
                found.setdefault(address, None)
    return list(found)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
