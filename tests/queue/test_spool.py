import datetime as dt
import threading
from pathlib import Path

import pytest

from mozdef.errors import QueueFullError
from mozdef.queue.base import Record
from mozdef.queue.spool import Spool

RECEIVED = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


def record(n: int, *, client_id: bool = False) -> Record:
    return Record(id=f"id{n}", received=RECEIVED, body=b'{"n":%d}' % n, client_id=client_id)


def test_published_records_are_consumed_in_order(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.publish([record(1), record(2)])
    spool.publish([record(3)])
    delivery = spool.consume(10, timeout=1)
    assert delivery is not None
    assert [r.id for r in delivery.records] == ["id1", "id2", "id3"]
    assert delivery.records[0].body == b'{"n":1}'
    assert delivery.records[0].received == RECEIVED
    assert not delivery.redelivered


def test_consume_respects_the_batch_size(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.publish([record(n) for n in range(5)])
    first = spool.consume(2, timeout=1)
    second = spool.consume(10, timeout=1)
    assert first is not None and second is not None
    assert [r.id for r in first.records] == ["id0", "id1"]
    assert [r.id for r in second.records] == ["id2", "id3", "id4"]


def test_consume_times_out_when_empty(tmp_path: Path) -> None:
    assert Spool(tmp_path).consume(10, timeout=0.01) is None


def test_unacknowledged_records_are_redelivered_after_reopen(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.publish([record(1), record(2)])
    first = spool.consume(1, timeout=1)
    assert first is not None
    spool.ack(first.token)
    spool.close()
    again = Spool(tmp_path).consume(10, timeout=1)
    assert again is not None
    assert [r.id for r in again.records] == ["id2"]
    assert again.redelivered


def test_records_published_after_reopen_are_not_marked_redelivered(tmp_path: Path) -> None:
    Spool(tmp_path).close()
    spool = Spool(tmp_path)
    spool.publish([record(1)])
    delivery = spool.consume(10, timeout=1)
    assert delivery is not None and not delivery.redelivered


def test_torn_last_line_is_cut_on_open(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.publish([record(1)])
    spool.close()
    segment = next(tmp_path.glob("*.log"))
    with segment.open("ab") as handle:
        handle.write(b'["id2","2026-12-03T12:00:00+00:00","event",null,false]\t{"n"')
    delivery = Spool(tmp_path).consume(10, timeout=1)
    assert delivery is not None
    assert [r.id for r in delivery.records] == ["id1"]


def test_segments_roll_and_acknowledged_ones_are_deleted(tmp_path: Path) -> None:
    spool = Spool(tmp_path, segment_bytes=200)
    for n in range(10):
        spool.publish([record(n)])
    assert len(list(tmp_path.glob("*.log"))) > 2
    ids: list[str] = []
    while (delivery := spool.consume(100, timeout=0.01)) is not None:
        ids.extend(r.id for r in delivery.records)
        spool.ack(delivery.token)
    assert ids == [f"id{n}" for n in range(10)]
    assert len(list(tmp_path.glob("*.log"))) == 1


def test_publish_refuses_past_the_pending_limit(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_pending_bytes=150)
    spool.publish([record(1)])
    with pytest.raises(QueueFullError) as caught:
        spool.publish([record(2), record(3)])
    assert caught.value.retry_after > 0


def test_acknowledging_frees_room_for_more(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_pending_bytes=150)
    spool.publish([record(1)])
    delivery = spool.consume(10, timeout=1)
    assert delivery is not None
    spool.ack(delivery.token)
    spool.publish([record(2)])


def test_wait_acked_returns_when_position_is_acknowledged(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    position = spool.publish([record(1)])
    delivery = spool.consume(10, timeout=1)
    assert delivery is not None
    threading.Timer(0.05, spool.ack, args=(delivery.token,)).start()
    assert spool.wait_acked(position, timeout=5)


def test_wait_acked_times_out(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    position = spool.publish([record(1)])
    assert not spool.wait_acked(position, timeout=0.01)


def test_concurrent_publishers_lose_nothing(tmp_path: Path) -> None:
    spool = Spool(tmp_path, segment_bytes=4096)

    def publish(worker: int) -> None:
        for n in range(50):
            spool.publish([record(worker * 1000 + n)])

    threads = [threading.Thread(target=publish, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids: list[str] = []
    while (delivery := spool.consume(1000, timeout=0.01)) is not None:
        ids.extend(r.id for r in delivery.records)
    assert len(ids) == 200 and len(set(ids)) == 200


def test_client_id_flag_survives_the_spool(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.publish([record(1, client_id=True)])
    delivery = spool.consume(1, timeout=1)
    assert delivery is not None and delivery.records[0].client_id
