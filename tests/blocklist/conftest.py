"""The block-list stores over the application database (SQLite and PostgreSQL, see
tests/conftest.py), on a clock the tests move."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from mozdef.appdb import AppDb
from mozdef.blocklist import BlockListStore, WatchListStore

START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@dataclass
class Clock:
    now: dt.datetime = field(default=START)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def hours(count: float) -> dt.datetime:
    """`count` hours after START."""
    return START + dt.timedelta(hours=count)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def blocks(appdb: AppDb, clock: Clock) -> BlockListStore:
    return BlockListStore(appdb, clock=clock)


@pytest.fixture
def watches(appdb: AppDb, clock: Clock) -> WatchListStore:
    return WatchListStore(appdb, clock=clock)
