from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mozdef.appdb import AppDb
from mozdef.bus import SharedBus
from tests.bus.collect import Heard

ROOT = Path(__file__).resolve().parents[2]


def test_another_process_publishes_and_this_one_hears_in_order_within_a_second(
    appdb: AppDb, appdb_url: str
) -> None:
    heard = Heard()
    bus = SharedBus(appdb)
    bus.listen(heard)
    bus.start()

    child = subprocess.run(
        [sys.executable, "-m", "tests.bus.publisher", appdb_url, "20"],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    messages = heard.wait_for(20, timeout=2.0)
    bus.stop()

    assert child.returncode == 0, child.stderr.decode()
    assert [m.payload["number"] for m in messages] == list(range(20))
    delays = [at - m.payload["sent"] for at, m in zip(heard.clock_times, messages, strict=True)]
    assert max(delays) < 1.0
