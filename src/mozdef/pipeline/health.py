"""What the health detection reads in the worker process of `mozdef serve`.

The intake's counters live in the serving process: it writes them to
`intake-status.json` in the data folder about once a second (`write_intake_status`),
and the worker's `IntakeStatusHealth` reads that file together with its own
pipeline counters and the rules' failures in a row, as one `HealthCounters`.
A file older than `stale_seconds` is ignored: a stopped intake says nothing new.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from mozdef.alerts.detections.health import HealthCounters
from mozdef.alerts.rule_state import RuleStateStore

INTAKE_STATUS_FILE = "intake-status.json"


def write_intake_status(data_dir: Path, counters: dict[str, Any]) -> None:
    path = data_dir / INTAKE_STATUS_FILE
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(orjson.dumps({**counters, "written": time.time()}))
    temporary.replace(path)


def read_intake_status(data_dir: Path, *, stale_seconds: float = 30.0) -> dict[str, Any]:
    try:
        status: dict[str, Any] = orjson.loads((data_dir / INTAKE_STATUS_FILE).read_bytes())
    except (FileNotFoundError, orjson.JSONDecodeError):
        return {}
    if time.time() - float(status.get("written", 0)) > stale_seconds:
        return {}
    return status


class IntakeStatusHealth:
    def __init__(
        self,
        data_dir: Path,
        plugin_errors: Callable[[], int],
        states: RuleStateStore,
    ) -> None:
        self._data_dir = data_dir
        self._plugin_errors = plugin_errors
        self._states = states

    def counters(self) -> HealthCounters:
        intake = read_intake_status(self._data_dir)
        failing = {
            rule_id: state.consecutive_failures
            for rule_id, state in self._states.all().items()
            if state.consecutive_failures > 0
        }
        return HealthCounters(
            accepted=int(intake.get("accepted", 0)),
            rejected={str(k): int(v) for k, v in (intake.get("rejected") or {}).items()},
            plugin_errors=self._plugin_errors(),
            queue_pending_bytes=int(intake.get("queue_pending_bytes", 0)),
            queue_limit_bytes=int(intake.get("queue_limit_bytes", 0)),
            disk_problem=intake.get("disk_problem"),
            rule_failures=failing,
        )
