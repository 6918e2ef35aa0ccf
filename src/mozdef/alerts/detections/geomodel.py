"""GeoModel: a user acting from two places too far apart for the time between them.

Reads authentication events whose source address the geoip pipeline plugin located
(`details.sourceipgeolocation` with city, country_code, latitude, longitude and,
when known, accuracy_radius in km). Each user's localities are kept in a
LocalityStore for `keep`; an event is compared with the user's latest locality, and
when the speed needed to go from there to here exceeds `max_speed_kmh`, an alert is
raised. Both places' accuracy radii are taken off the distance first, so that two
imprecise locations in nearby cities are not taken for travel.

Events are considered in time order within a run; an event older than the user's
latest locality updates the state without being compared. `exempt_users` and
addresses inside `exempt_networks` (VPN egress, offices) are left out.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
from collections.abc import Mapping, Sequence
from typing import Any

from mozdef.alerts.detections.forms import (
    EVENTS,
    draft,
    event_time,
    first_text,
    sample,
    streamed_sample,
)
from mozdef.alerts.detections.localities import Locality, LocalityStore
from mozdef.alerts.detections.meta import builtin
from mozdef.alerts.model import AlertDraft, EventSample
from mozdef.alerts.rule import IndexKeys
from mozdef.alerts.streaming.keys import index_keys
from mozdef.alerts.streaming.predicate import compile_predicate
from mozdef.errors import ConfigError
from mozdef.events.schema import Event
from mozdef.query.tree import Exists, Node, Term, and_
from mozdef.store.base import EventStore, SearchRequest

RULE_ID = "geomodel"
EARTH_RADIUS_KM = 6371.0
DEFAULT_QUERY = and_(Term("details.authstatus", "success"), Exists("details.sourceipgeolocation"))


class GeoModel:
    def __init__(
        self,
        localities: LocalityStore,
        *,
        query: Node = DEFAULT_QUERY,
        user_field: str = "details.username",
        max_speed_kmh: float = 1000.0,
        window: dt.timedelta = dt.timedelta(minutes=5),
        keep: dt.timedelta = dt.timedelta(days=7),
        default_radius_km: float = 50.0,
        exempt_users: Sequence[str] = (),
        exempt_networks: Sequence[str] = (),
        limit: int = 10_000,
    ) -> None:
        self.localities = localities
        self.query = query
        self.user_field = user_field
        self.max_speed_kmh = max_speed_kmh
        self.window = window
        self.keep = keep
        self.default_radius_km = default_radius_km
        self.exempt_users = frozenset(exempt_users)
        self.exempt_networks = tuple(_network(cidr) for cidr in exempt_networks)
        self.limit = limit
        self.meta = builtin(
            RULE_ID,
            "Impossible travel",
            severity="WARNING",
            category="geomodel",
            tags=("geomodel",),
            window=window,
        )
        self._predicate = compile_predicate(and_(query, Exists(user_field)))

    def run(self, store: EventStore, *, now: dt.datetime) -> list[AlertDraft]:
        request = SearchRequest(
            query=and_(self.query, Exists(self.user_field)),
            start=now - self.window,
            end=now,
            index=EVENTS,
            size=self.limit,
            sort=(("utctimestamp", "asc"),),
        )
        hits = store.search(request).hits
        return [found for hit in hits for found in self._observe(sample(hit), now)]

    def keys(self) -> IndexKeys:
        return index_keys(self.query)

    def match(self, event: Event, *, now: dt.datetime) -> list[AlertDraft]:
        if not self._predicate(event, now):
            return []
        return self._observe(streamed_sample(event, now), now)

    def _observe(self, evidence: EventSample, now: dt.datetime) -> list[AlertDraft]:
        user = first_text(evidence.source, self.user_field)
        here = self._locality(evidence.source)
        if not user or here is None or self._exempt(user, here.address):
            return []
        known = [place for place in self.localities.load(user) if place.at >= now - self.keep]
        latest = max(known, key=lambda place: place.at, default=None)
        self.localities.save(user, _merged(known, here), now=now)
        if latest is None or here.at <= latest.at or self._possible(latest, here):
            return []
        return [self._draft(user, latest, here, evidence)]

    def _locality(self, event: Event) -> Locality | None:
        details = event.get("details") or {}
        where = details.get("sourceipgeolocation")
        at = event_time(event)
        if not isinstance(where, Mapping) or at is None:
            return None
        keys = ("city", "country_code", "latitude", "longitude")
        if any(where.get(key) is None for key in keys):
            return None
        radius = float(where.get("accuracy_radius", self.default_radius_km))
        address = str(details.get("sourceipaddress", ""))
        return Locality(
            city=str(where["city"]),
            country=str(where["country_code"]),
            latitude=float(where["latitude"]),
            longitude=float(where["longitude"]),
            radius_km=radius,
            address=address,
            at=at,
        )

    def _exempt(self, user: str, address: str) -> bool:
        if user in self.exempt_users:
            return True
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(parsed in network for network in self.exempt_networks)

    def _possible(self, before: Locality, after: Locality) -> bool:
        return speed_kmh(before, after) <= self.max_speed_kmh

    def _draft(
        self, user: str, before: Locality, after: Locality, evidence: EventSample
    ) -> AlertDraft:
        distance = travel_km(before, after)
        minutes = (after.at - before.at).total_seconds() / 60
        summary = (
            f"{user} seen in {after.city}, {after.country} {minutes:.0f} minutes after "
            f"{before.city}, {before.country} ({distance:.0f} km away)"
        )
        details: dict[str, Any] = {
            "username": user,
            "sourceipaddress": after.address,
            "previous": {
                "sourceipaddress": before.address,
                "city": before.city,
                "country": before.country,
                "at": before.at.isoformat(),
            },
            "distance_km": round(distance),
            "speed_kmh": round(min(speed_kmh(before, after), 1e9)),
        }
        return draft(self.meta, summary, samples=(evidence,), dedup=user, details=details)


def distance_km(before: Locality, after: Locality) -> float:
    """Great-circle distance between the two places (haversine)."""
    lat1, lat2 = math.radians(before.latitude), math.radians(after.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(after.longitude - before.longitude)
    a = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def travel_km(before: Locality, after: Locality) -> float:
    """The distance that must have been travelled: less both places' uncertainty."""
    return max(distance_km(before, after) - before.radius_km - after.radius_km, 0.0)


def speed_kmh(before: Locality, after: Locality) -> float:
    hours = (after.at - before.at).total_seconds() / 3600
    distance = travel_km(before, after)
    if distance == 0:
        return 0.0
    return math.inf if hours <= 0 else distance / hours


def _merged(known: list[Locality], here: Locality) -> list[Locality]:
    """`known` with `here` replacing the entry for the same place when it is newer."""
    same = [place for place in known if place.same_place(here)]
    if same and same[0].at >= here.at:
        return known
    return [place for place in known if not place.same_place(here)] + [here]


def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(cidr, strict=False)
    except ValueError as error:
        raise ConfigError(
            f"detections.{RULE_ID}.exempt_networks", cidr, "a CIDR network"
        ) from error


def rule(*, localities: LocalityStore, **options: Any) -> GeoModel:
    return GeoModel(localities, **options)
