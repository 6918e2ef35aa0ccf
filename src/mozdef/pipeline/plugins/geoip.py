"""Add where an address is, from a MaxMind database (GeoLite2-City or GeoIP2-City).

`details.sourceipaddress` gives `details.sourceipgeolocation` and
`details.destinationipaddress` gives `details.destinationipgeolocation`, each
with the keys the database has among: city, region_code, country_code,
country_name, continent_code, postal_code, latitude, longitude, time_zone,
accuracy_radius. Addresses the database does not know (private ones, among
others) get nothing. Runs after `ipfixup`, so that it reads clean addresses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import maxminddb

from mozdef.errors import PluginError
from mozdef.events.schema import Event
from mozdef.pipeline.plugin import BasePlugin, Metadata, PluginResult

_FIELDS = (
    ("sourceipaddress", "sourceipgeolocation"),
    ("destinationipaddress", "destinationipgeolocation"),
)

Location = dict[str, Any]


class GeoIp(BasePlugin):
    name = "geoip"
    atomic = True
    priority = 30

    def __init__(
        self, *, database: str | Path, cache_size: int = 10_000, priority: int | None = None
    ) -> None:
        super().__init__(priority=priority)
        try:
            self._reader = maxminddb.open_database(str(database))
        except (OSError, ValueError) as exc:
            raise PluginError(self.name, f"cannot open database {database}: {exc}") from exc
        self._cache: dict[str, Location | None] = {}
        self._cache_size = cache_size

    def onMessage(self, message: Event, metadata: Metadata) -> PluginResult:
        details = message.get("details")
        if type(details) is not dict:
            return message, metadata
        found = {}
        for address_field, location_field in _FIELDS:
            address = details.get(address_field)
            location = self.locate(address) if isinstance(address, str) else None
            if location:
                found[location_field] = location
        details.update(found)
        return message, metadata

    def locate(self, address: str) -> Location | None:
        """What the database says of `address`, in MozDef's field names."""
        if address in self._cache:
            return self._cache[address]
        try:
            record = self._reader.get(address)
        except ValueError:
            record = None
        location = _location(record) if isinstance(record, dict) else None
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[address] = location
        return location

    def close(self) -> None:
        self._reader.close()


def _location(record: dict[str, Any]) -> Location:
    location = record.get("location") or {}
    subdivisions = record.get("subdivisions") or [{}]
    values = {
        "city": _name(record.get("city")),
        "region_code": subdivisions[0].get("iso_code"),
        "country_code": (record.get("country") or {}).get("iso_code"),
        "country_name": _name(record.get("country")),
        "continent_code": (record.get("continent") or {}).get("code"),
        "postal_code": (record.get("postal") or {}).get("code"),
        "latitude": location.get("latitude"),
        "longitude": location.get("longitude"),
        "time_zone": location.get("time_zone"),
        "accuracy_radius": location.get("accuracy_radius"),
    }
    return {key: value for key, value in values.items() if value is not None}


def _name(section: Any) -> str | None:
    if not isinstance(section, dict):
        return None
    name = (section.get("names") or {}).get("en")
    return name if isinstance(name, str) else None
