"""The worker's view of the system's health: the intake's counters written by the
serving process, the pipeline's plugin errors, the rules failing in a row."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import orjson

from mozdef.alerts.detections.health import HealthCheck
from mozdef.alerts.rule_state import RuleState, RuleStateStore
from mozdef.appdb import AppDb
from mozdef.pipeline.health import (
    INTAKE_STATUS_FILE,
    IntakeStatusHealth,
    read_intake_status,
    write_intake_status,
)
from mozdef.store.memory import MemoryStore

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


def test_worker_health_source_joins_intake_pipeline_and_rule_counters(tmp_path: Path) -> None:
    database = AppDb.in_folder(tmp_path)
    states = RuleStateStore(database)
    states.save(RuleState("flaky", consecutive_failures=4), now=NOW)
    states.save(RuleState("fine"), now=NOW)
    write_intake_status(
        tmp_path,
        {
            "accepted": 10,
            "rejected": {"invalid_json": 3},
            "queue_pending_bytes": 950,
            "queue_limit_bytes": 1000,
            "disk_problem": "free 10 MiB below the floor of 1 GiB",
        },
    )
    source = IntakeStatusHealth(tmp_path, lambda: 2, states)

    counters = source.counters()

    assert counters.accepted == 10
    assert counters.rejected == {"invalid_json": 3}
    assert counters.plugin_errors == 2
    assert counters.queue_pending_bytes == 950
    assert counters.disk_problem == "free 10 MiB below the floor of 1 GiB"
    assert counters.rule_failures == {"flaky": 4}
    checks = {draft.details["check"] for draft in HealthCheck(source).run(MemoryStore(), now=NOW)}
    assert {"rejected:invalid_json", "plugin_errors", "queue", "disk", "rule:flaky"} <= checks
    database.close()


def test_a_stale_intake_status_is_ignored(tmp_path: Path) -> None:
    write_intake_status(tmp_path, {"accepted": 5})
    assert read_intake_status(tmp_path)["accepted"] == 5
    path = tmp_path / INTAKE_STATUS_FILE
    status = orjson.loads(path.read_bytes())
    path.write_bytes(orjson.dumps({**status, "written": time.time() - 120}))
    assert read_intake_status(tmp_path) == {}
    assert read_intake_status(tmp_path / "missing") == {}
