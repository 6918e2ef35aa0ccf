"""An alerts process of its own, for the tests of scheduled runs shared by processes.

    python scheduler_process.py DATABASE_URL OWNER RUNS_FILE

Schedules one rule, `every-second`, with run claims in the database, and appends a
line `<tick> <owner>` to RUNS_FILE for each tick it runs, until it is killed.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from mozdef.alerts.claims import RunClaims
from mozdef.alerts.engine import AlertSink
from mozdef.alerts.model import AlertDraft
from mozdef.alerts.rule import RuleMeta, Schedule
from mozdef.alerts.rule_state import RuleStateStore
from mozdef.alerts.scheduler import Scheduler
from mozdef.alerts.store import AlertStore
from mozdef.appdb import AppDb
from mozdef.store.base import EventStore
from mozdef.store.memory import MemoryStore

RULE_ID = "every-second"


class RecordingRule:
    def __init__(self, owner: str, runs: Path) -> None:
        schedule = Schedule(interval=dt.timedelta(seconds=1))
        self.meta = RuleMeta(id=RULE_ID, name=RULE_ID, form="python", schedule=schedule)
        self._owner = owner
        self._runs = runs

    def run(self, store: EventStore, *, now: dt.datetime) -> Sequence[AlertDraft]:
        with self._runs.open("a") as out:
            out.write(f"{now.isoformat()} {self._owner}\n")
        return []


def main(url: str, owner: str, runs: str) -> None:
    db = AppDb(url)
    store = MemoryStore()
    scheduler = Scheduler(
        [RecordingRule(owner, Path(runs))],
        store,
        AlertSink(AlertStore(store)),
        RuleStateStore(db),
        claims=RunClaims(db, owner),
        tick_seconds=0.05,
    )
    scheduler.start()
    threading.Event().wait()


if __name__ == "__main__":
    main(*sys.argv[1:4])
