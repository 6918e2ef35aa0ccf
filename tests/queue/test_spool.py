import datetime as dt
import multiprocessing
import threading
from pathlib import Path

import pytest

from mozdef.errors import QueueFullError
from mozdef.queue.base import Record
from mozdef.queue.spool import SpoolReader, SpoolWriter

RECEIVED = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


def record(n: int, *, client_id: bool = False) -> Record:
    return Record(id=f"id{n}", received=RECEIVED, body=b'{"n":%d}' % n, client_id=client_id)


def drain(reader: SpoolReader, *, ack: bool = False) -> list[str]:
    ids: list[str] = []
    while (delivery := reader.consume(1000, timeout=0.01)) is not None:
        ids.extend(r.id for r in delivery.records)
        if ack:
            reader.ack(delivery.token)
    return ids


def test_published_records_are_consumed_in_order(tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path)
    writer.publish([record(1), record(2)])
    writer.publish([record(3)])
    delivery = SpoolReader(tmp_path).consume(10, timeout=1)
    assert delivery is not None
    assert [r.id for r in delivery.records] == ["id1", "id2", "id3"]
    assert delivery.records[0].body == b'{"n":1}'
    assert delivery.records[0].received == RECEIVED


def test_consume_respects_the_batch_size(tmp_path: Path) -> None:
    SpoolWriter(tmp_path).publish([record(n) for n in range(5)])
    reader = SpoolReader(tmp_path)
    first = reader.consume(2, timeout=1)
    assert first is not None and [r.id for r in first.records] == ["id0", "id1"]
    assert drain(reader) == ["id2", "id3", "id4"]


def test_consume_times_out_when_empty(tmp_path: Path) -> None:
    SpoolWriter(tmp_path)
    assert SpoolReader(tmp_path).consume(10, timeout=0.01) is None


def test_reader_sees_records_published_after_it_opened(tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path)
    reader = SpoolReader(tmp_path)
    threading.Timer(0.05, writer.publish, args=([record(1)],)).start()
    delivery = reader.consume(10, timeout=5)
    assert delivery is not None and [r.id for r in delivery.records] == ["id1"]
    assert not delivery.redelivered


def test_unacknowledged_records_are_redelivered_to_a_new_reader(tmp_path: Path) -> None:
    SpoolWriter(tmp_path).publish([record(1), record(2)])
    reader = SpoolReader(tmp_path)
    first = reader.consume(1, timeout=1)
    assert first is not None and first.redelivered
    reader.ack(first.token)
    again = SpoolReader(tmp_path).consume(10, timeout=1)
    assert again is not None
    assert [r.id for r in again.records] == ["id2"]
    assert again.redelivered


def test_torn_last_line_is_cut_when_the_writer_opens(tmp_path: Path) -> None:
    SpoolWriter(tmp_path).publish([record(1)])
    segment = next(tmp_path.glob("*.log"))
    with segment.open("ab") as handle:
        handle.write(b'["id2","2026-12-03T12:00:00+00:00","event",null,false]\t{"n"')
    writer = SpoolWriter(tmp_path)
    writer.publish([record(3)])
    assert drain(SpoolReader(tmp_path)) == ["id1", "id3"]


def test_a_line_being_written_is_not_delivered_half(tmp_path: Path) -> None:
    SpoolWriter(tmp_path).publish([record(1)])
    segment = next(tmp_path.glob("*.log"))
    with segment.open("ab") as handle:
        handle.write(b'["id2","2026-12-03T12:00:00+00:00","event",null,false]\t{"n"')
    assert drain(SpoolReader(tmp_path)) == ["id1"]


def test_segments_roll_and_acknowledged_ones_are_deleted(tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path, segment_bytes=200)
    for n in range(10):
        writer.publish([record(n)])
    assert len(list(tmp_path.glob("*.log"))) > 2
    assert drain(SpoolReader(tmp_path), ack=True) == [f"id{n}" for n in range(10)]
    assert len(list(tmp_path.glob("*.log"))) == 1


def test_publish_refuses_past_the_pending_limit(tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path, max_pending_bytes=150)
    writer.publish([record(1)])
    with pytest.raises(QueueFullError) as caught:
        writer.publish([record(2), record(3)])
    assert caught.value.retry_after > 0


def test_acknowledging_frees_room_for_more(tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path, max_pending_bytes=150)
    writer.publish([record(1)])
    drain(SpoolReader(tmp_path), ack=True)
    writer.publish([record(2)])
    assert writer.pending_bytes() > 0


def test_window_is_full_once_half_the_bound_is_held_unacknowledged(tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path, max_pending_bytes=4000)
    writer.publish([record(n) for n in range(10)])
    reader = SpoolReader(tmp_path, max_pending_bytes=4000)
    first = reader.consume(10, timeout=0.01)
    assert first is not None and not reader.window_full
    writer.publish([record(n) for n in range(10, 40)])
    second = reader.consume(30, timeout=0.01)
    assert second is not None and reader.window_full
    reader.ack(second.token)
    assert not reader.window_full


def test_window_of_a_reader_without_the_bound_is_never_full(tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path, max_pending_bytes=4000)
    writer.publish([record(n) for n in range(40)])
    reader = SpoolReader(tmp_path)
    assert reader.consume(40, timeout=0.01) is not None
    assert not reader.window_full


def test_wait_acked_returns_when_position_is_acknowledged(tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path)
    position = writer.publish([record(1)])
    reader = SpoolReader(tmp_path)
    delivery = reader.consume(10, timeout=1)
    assert delivery is not None
    threading.Timer(0.05, reader.ack, args=(delivery.token,)).start()
    assert writer.wait_acked(position, timeout=5)


def test_wait_acked_times_out(tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path)
    position = writer.publish([record(1)])
    assert not writer.wait_acked(position, timeout=0.01)


def test_concurrent_publishers_lose_nothing(tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path, segment_bytes=4096)

    def publish(worker: int) -> None:
        for n in range(50):
            writer.publish([record(worker * 1000 + n)])

    threads = [threading.Thread(target=publish, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = drain(SpoolReader(tmp_path))
    assert len(ids) == 200 and len(set(ids)) == 200


def _read_in_child(path: str, count: int, out: "multiprocessing.Queue[list[str]]") -> None:
    reader = SpoolReader(Path(path))
    ids: list[str] = []
    while len(ids) < count:
        delivery = reader.consume(100, timeout=10)
        if delivery is None:
            break
        ids.extend(r.id for r in delivery.records)
        reader.ack(delivery.token)
    out.put(ids)


def test_reader_in_another_process_gets_everything_while_writes_go_on(tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path, segment_bytes=2000)
    context = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue[list[str]] = context.Queue()
    child = context.Process(target=_read_in_child, args=(str(tmp_path), 300, out))
    child.start()
    for n in range(300):
        writer.publish([record(n)])
    ids = out.get(timeout=60)
    child.join(timeout=10)
    assert ids == [f"id{n}" for n in range(300)]
    assert writer.pending_bytes() == 0


def test_client_id_flag_survives_the_spool(tmp_path: Path) -> None:
    SpoolWriter(tmp_path).publish([record(1, client_id=True)])
    delivery = SpoolReader(tmp_path).consume(1, timeout=1)
    assert delivery is not None and delivery.records[0].client_id


def test_records_of_one_batch_keep_each_their_received_time(tmp_path: Path) -> None:
    later = RECEIVED + dt.timedelta(microseconds=1)
    batch = [record(1), Record(id="id2", received=later, body=b"{}"), record(3)]
    SpoolWriter(tmp_path).publish(batch)
    delivery = SpoolReader(tmp_path).consume(10, timeout=1)
    assert delivery is not None
    assert [r.received for r in delivery.records] == [RECEIVED, later, RECEIVED]
