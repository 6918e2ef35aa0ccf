import datetime as dt

import pytest

from mozdef.errors import IntakeError
from mozdef.intake.body import Accepted
from mozdef.intake.service import Intake, Submission, new_ids
from mozdef.queue.memory import MemoryQueue


def test_new_ids_are_distinct_hex_strings() -> None:
    ids = new_ids(1000)
    assert len(set(ids)) == 1000
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_submit_keeps_a_client_id_and_assigns_the_others() -> None:
    queue = MemoryQueue()
    event = Accepted(0, {"a": 1}, b'{"a":1}')
    done = Intake(queue).submit([Submission(event, client_id="mine"), Submission(event)])
    delivery = queue.consume(10, timeout=0)
    assert delivery is not None
    assert done.ids[0] == "mine" and len(done.ids[1]) == 32
    assert [r.client_id for r in delivery.records] == [True, False]
    assert delivery.records[0].received.tzinfo == dt.UTC


def test_submit_refuses_below_the_disk_floor() -> None:
    intake = Intake(MemoryQueue(), disk_problem=lambda: "free disk 1 MiB below floor 1 GiB")
    event = Accepted(0, {"a": 1}, b'{"a":1}')
    with pytest.raises(IntakeError) as caught:
        intake.submit([Submission(event)])
    assert caught.value.reason == "disk_floor"
