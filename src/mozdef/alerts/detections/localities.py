"""Where each user was last seen acting, per locality: GeoModel's state.

A locality is a place (city and country) with the address, coordinates, accuracy
radius and time of the user's latest action there. `AppDbLocalities` keeps them
in the application database (table `geomodel_localities`, migration 0002), one row
per user holding a JSON list; `MemoryLocalities` serves tests.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from sqlalchemy import Column, String, Table, Text, select

from mozdef.appdb.db import AppDb
from mozdef.appdb.tables import UtcDateTime, metadata


@dataclass(frozen=True)
class Locality:
    city: str
    country: str
    latitude: float
    longitude: float
    radius_km: float
    address: str
    at: dt.datetime

    def same_place(self, other: Locality) -> bool:
        return (self.city, self.country) == (other.city, other.country)


class LocalityStore(Protocol):
    def load(self, username: str) -> list[Locality]: ...

    def save(self, username: str, localities: Sequence[Locality], *, now: dt.datetime) -> None: ...


class MemoryLocalities:
    def __init__(self) -> None:
        self._users: dict[str, list[Locality]] = {}
        self._lock = threading.Lock()

    def load(self, username: str) -> list[Locality]:
        with self._lock:
            return list(self._users.get(username, []))

    def save(self, username: str, localities: Sequence[Locality], *, now: dt.datetime) -> None:
        with self._lock:
            self._users[username] = list(localities)


geomodel_localities = Table(
    "geomodel_localities",
    metadata,
    Column("username", String(255), primary_key=True),
    Column("localities", Text, nullable=False),
    Column("updated", UtcDateTime, nullable=False),
)


class AppDbLocalities:
    def __init__(self, db: AppDb) -> None:
        self._db = db

    def load(self, username: str) -> list[Locality]:
        table = geomodel_localities
        with self._db.begin() as connection:
            row = connection.execute(
                select(table.c.localities).where(table.c.username == username)
            ).first()
        return [] if row is None else [_locality(item) for item in json.loads(row[0])]

    def save(self, username: str, localities: Sequence[Locality], *, now: dt.datetime) -> None:
        table = geomodel_localities
        text = json.dumps([_plain(locality) for locality in localities])
        with self._db.begin() as connection:
            changed = connection.execute(
                table.update()
                .where(table.c.username == username)
                .values(localities=text, updated=now)
            )
            if changed.rowcount == 0:
                connection.execute(
                    table.insert().values(username=username, localities=text, updated=now)
                )


def _plain(locality: Locality) -> dict[str, Any]:
    return {**asdict(locality), "at": locality.at.isoformat()}


def _locality(item: dict[str, Any]) -> Locality:
    return Locality(**{**item, "at": dt.datetime.fromisoformat(item["at"])})
