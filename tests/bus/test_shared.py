from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from mozdef.appdb import AppDb
from mozdef.bus import INCIDENT_CHANGED, PRESENCE, SharedBus
from mozdef.bus.tables import bus_messages
from tests.bus.collect import Heard

START = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def buses() -> Iterator[list[SharedBus]]:
    """Buses the test made, stopped after it."""
    made: list[SharedBus] = []
    yield made
    for bus in made:
        bus.stop(timeout=2)


def started(made: list[SharedBus], db: AppDb, *, read: bool = True, **options: object) -> SharedBus:
    bus = SharedBus(db, **options)  # type: ignore[arg-type]
    bus.start(read=read)
    made.append(bus)
    return bus


def test_messages_published_on_one_bus_reach_another_in_order_within_a_second(
    appdb: AppDb, open_appdb: Callable[[], AppDb], buses: list[SharedBus]
) -> None:
    heard = Heard()
    started(buses, open_appdb()).listen(heard)
    publisher = started(buses, appdb, read=False)

    sent = time.monotonic()
    for number in range(10):
        publisher.publish(INCIDENT_CHANGED, {"id": f"i{number}"})
    messages = heard.wait_for(10, timeout=1.0)

    assert [m.payload for m in messages] == [{"id": f"i{n}"} for n in range(10)]
    assert [m.topic for m in messages] == [INCIDENT_CHANGED] * 10
    assert [m.seq for m in messages] == sorted({m.seq for m in messages})
    assert heard.times[-1] - sent < 1.0


def test_a_reader_hears_only_what_is_published_after_it_starts(
    appdb: AppDb, open_appdb: Callable[[], AppDb], buses: list[SharedBus]
) -> None:
    publisher = started(buses, appdb, read=False)
    publisher.publish(INCIDENT_CHANGED, {"id": "before"})
    assert publisher.flush()
    heard = Heard()
    started(buses, open_appdb()).listen(heard)

    publisher.publish(INCIDENT_CHANGED, {"id": "after"})

    assert [m.payload for m in heard.wait_for(1)] == [{"id": "after"}]


def test_subscribers_get_the_topic_and_payload_of_the_topics_they_chose(
    appdb: AppDb, buses: list[SharedBus]
) -> None:
    bus = started(buses, appdb)
    got: list[tuple[str, object]] = []
    bus.subscribe(lambda topic, payload: got.append((topic, payload)), topics=[PRESENCE])
    heard = Heard()
    bus.listen(heard)

    bus.publish(INCIDENT_CHANGED, {"id": "i1"})
    bus.publish(PRESENCE, {"user": "alice"})
    heard.wait_for(2)

    assert got == [(PRESENCE, {"user": "alice"})]


def test_a_listener_that_raises_is_counted_and_the_others_still_hear(
    appdb: AppDb, buses: list[SharedBus]
) -> None:
    bus = started(buses, appdb)

    def broken(_message: object) -> None:
        raise RuntimeError("boom")

    bus.listen(broken)
    heard = Heard()
    bus.listen(heard)
    bus.publish(INCIDENT_CHANGED, {"id": "i1"})

    assert [m.payload for m in heard.wait_for(1)] == [{"id": "i1"}]
    assert bus.counts["listener_failed"] == 1


def test_prune_deletes_the_rows_older_than_keep(appdb: AppDb) -> None:
    now = [START]
    bus = SharedBus(appdb, keep=dt.timedelta(minutes=5), clock=lambda: now[0])
    bus.publish(INCIDENT_CHANGED, {"id": "old"})
    now[0] = START + dt.timedelta(minutes=6)
    bus.publish(INCIDENT_CHANGED, {"id": "new"})
    bus.start(read=False)
    assert bus.flush()
    bus.stop()

    assert bus.prune() == 1
    with appdb.begin() as connection:
        left = connection.execute(select(bus_messages.c.payload)).scalars().all()
    assert left == ['{"id":"new"}']


def test_seqs_keep_growing_after_every_row_was_pruned(appdb: AppDb) -> None:
    now = [START]
    bus = SharedBus(appdb, keep=dt.timedelta(minutes=5), clock=lambda: now[0])
    bus.start(read=False)
    bus.publish(INCIDENT_CHANGED, {"id": "first"})
    assert bus.flush()
    first = _seqs(appdb)
    now[0] = START + dt.timedelta(minutes=10)
    bus.prune()
    bus.publish(INCIDENT_CHANGED, {"id": "second"})
    assert bus.flush()
    bus.stop()

    assert len(first) == 1
    assert _seqs(appdb)[0] > first[0]


def _seqs(db: AppDb) -> list[int]:
    with db.begin() as connection:
        return list(connection.execute(select(bus_messages.c.seq)).scalars().all())


def test_an_oversize_payload_is_trimmed_on_the_way(appdb: AppDb, buses: list[SharedBus]) -> None:
    bus = started(buses, appdb, max_payload=200)
    heard = Heard()
    bus.listen(heard)

    bus.publish(INCIDENT_CHANGED, {"id": "i1", "notes": ["x" * 100] * 10, "status": "open"})

    assert heard.wait_for(1)[0].payload == {"id": "i1", "status": "open", "trimmed": True}
    assert bus.counts["trimmed"] == 1


@pytest.mark.parametrize(
    "url",
    ["sqlite:////nonexistent/folder/mozdef.db", "postgresql+psycopg://nobody@127.0.0.1:9/none"],
    ids=["sqlite", "postgresql"],
)
def test_publishing_while_the_database_is_down_does_not_raise_and_is_counted(url: str) -> None:
    db = AppDb(url, migrate=False)
    bus = SharedBus(db)
    bus.start(read=False)

    bus.publish(INCIDENT_CHANGED, {"id": "i1"})
    bus.publish(INCIDENT_CHANGED, {"id": "i2"})
    assert bus.flush(timeout=10)
    bus.stop()
    db.close()

    assert bus.counts["publish_failed"] == 2
    assert bus.counts["published"] == 0


def test_a_payload_that_is_not_json_ready_is_refused_and_counted(appdb: AppDb) -> None:
    bus = SharedBus(appdb)

    bus.publish(INCIDENT_CHANGED, {"id": object()})
    bus.publish("x" * 65, {"id": "i1"})

    assert bus.counts["rejected"] == 2


def test_a_full_queue_drops_the_oldest_messages(
    appdb: AppDb, open_appdb: Callable[[], AppDb], buses: list[SharedBus]
) -> None:
    heard = Heard()
    started(buses, open_appdb()).listen(heard)
    publisher = SharedBus(appdb, queue_size=2)
    buses.append(publisher)

    for number in range(3):
        publisher.publish(INCIDENT_CHANGED, {"id": f"i{number}"})
    publisher.start(read=False)

    assert [m.payload for m in heard.wait_for(2)] == [{"id": "i1"}, {"id": "i2"}]
    assert publisher.counts["dropped"] == 1


def test_a_reader_started_while_the_database_is_down_reads_once_it_is_back(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'later' / 'mozdef.db'}"
    reading = SharedBus(AppDb(url, migrate=False), poll_seconds=0.05)
    heard = Heard()
    reading.listen(heard)
    reading.start()
    time.sleep(0.2)
    (tmp_path / "later").mkdir()
    publisher = SharedBus(AppDb(url))
    publisher.start(read=False)
    time.sleep(0.2)

    publisher.publish(INCIDENT_CHANGED, {"id": "i1"})
    messages = heard.wait_for(1)
    publisher.stop()
    reading.stop()

    assert [m.payload for m in messages] == [{"id": "i1"}]
    assert reading.counts["read_failed"] >= 2


def test_on_postgresql_a_reader_is_woken_by_notify_without_polling(
    postgres_url: str, buses: list[SharedBus]
) -> None:
    heard = Heard()
    reading = AppDb(postgres_url)
    started(buses, reading, poll_seconds=30.0, safety_seconds=30.0).listen(heard)
    publisher = AppDb(postgres_url)
    started(buses, publisher, read=False)

    sent = time.monotonic()
    buses[1].publish(INCIDENT_CHANGED, {"id": "i1"})
    messages = heard.wait_for(1, timeout=2.0)
    for bus in buses:
        bus.stop(timeout=2)
    reading.close()
    publisher.close()

    assert [m.payload for m in messages] == [{"id": "i1"}]
    assert heard.times[0] - sent < 0.5
